import { BinaryCopyOut, binaryRowEncoder } from '../codec/index.js';
import type { OnBadRow } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { badRow } from '../pg/bad-rows.js';
import { CopyWriter } from '../pg/copy-writer.js';
import { insertRejects, type Reject } from '../pg/metadata.js';
import type { PgPool } from '../pg/pool.js';
import { qualified } from '../schema/ddl.js';
import { quoteIdent } from '../schema/quote.js';
import type { KeyRange, TableReader } from '../sqlite/snapshot-read.js';

/** Rows read from SQLite and encoded per COPY chunk at most (~1-2 MB for the collector's rows). */
export const PAGE_ROWS = 2_000;
/**
 * Bytes of rows a page may hold: with large rows (blobs, long texts) a page holds fewer rows
 * (`TableReader.pageRows`), so memory stays bounded whatever the rows hold.
 */
export const PAGE_BYTES = 8 * 1024 * 1024;
/** Quarantined rows kept in memory before they are written to litebridge.rejects. */
const REJECT_FLUSH = 500;

/** Where a copy reports the rows it sent. */
export interface RowCounter {
  advance(table: string, rows: number): void;
}

export interface CopyTableOptions {
  readonly pool: PgPool;
  readonly sourceId: string;
  readonly onBadRow: OnBadRow;
  readonly progress: RowCounter;
  readonly log: Logger;
}

/** Rows of one table (or of one key range of it) copied, and rows quarantined. */
export interface CopyTableResult {
  readonly table: string;
  readonly target: string;
  readonly rows: number;
  readonly rejected: number;
  readonly ms: number;
}

/**
 * Streams one table (or one key range of it) from the open SQLite read snapshot into
 * PostgreSQL with binary COPY: pages are read in key order, every value goes through the codec,
 * and the next page is read only when PostgreSQL has taken the previous one. `pageRows` rows per
 * page, as copyAll decided for the table (`TableReader.pageRows(PAGE_ROWS, PAGE_BYTES)`).
 */
export async function copyTable(
  reader: TableReader,
  options: CopyTableOptions,
  range: KeyRange,
  pageRows: number,
): Promise<CopyTableResult> {
  const { target } = reader;
  const started = Date.now();
  const encodeRow = binaryRowEncoder(target.columns);
  const columns = target.columns.map((c) => quoteIdent(c.name)).join(', ');
  const client = await options.pool.connect();
  const writer = new CopyWriter(
    client,
    `COPY ${qualified(target.schema, target.name)} (${columns}) FROM STDIN WITH (FORMAT binary)`,
  );
  const out = new BinaryCopyOut();
  const rejects: Reject[] = [];
  let rows = 0;
  let rejected = 0;
  let result: CopyTableResult;
  try {
    await writer.write(BinaryCopyOut.header());
    for (const page of reader.pages(pageRows, range)) {
      for (const row of page) {
        try {
          encodeRow(row, out);
        } catch (error) {
          rejects.push(badRow(error, options.onBadRow, target, reader.keyOf(row), row));
        }
      }
      await writer.write(out.take());
      options.progress.advance(target.source, page.length);
      rows += page.length;
      if (rejects.length >= REJECT_FLUSH) {
        rejected += rejects.length;
        await insertRejects(options.pool, options.sourceId, rejects.splice(0));
      }
    }
    await writer.write(BinaryCopyOut.trailer());
    const copied = await writer.end(`COPY into ${target.schema}.${target.name} failed`);
    rejected += rejects.length;
    await insertRejects(options.pool, options.sourceId, rejects.splice(0));
    if (copied !== rows - rejected) {
      throw new BridgeError(
        'INTERNAL',
        `table "${target.source}": read ${rows} rows, rejected ${rejected}, but PostgreSQL took ${copied}`,
      );
    }
    if (rejected > 0) {
      options.log.warn({ table: target.source, rejected }, 'rows quarantined in litebridge.rejects');
    }
    result = { table: target.source, target: target.name, rows: copied, rejected, ms: Date.now() - started };
  } catch (error) {
    await writer.abort(error instanceof Error ? error : new Error(String(error)));
    client.release(true);
    throw error;
  }
  client.release();
  return result;
}

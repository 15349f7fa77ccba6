/**
 * PostgreSQL's share of a snapshot alone: litebridge's exact binary COPY data for every table, written
 * to files before the clock starts, then loaded with nothing else running: the typed tables
 * litebridge creates, the files streamed with COPY four at a time (tables of 200,000 rows and more
 * cut into four key ranges), then the same primary keys and indexes four at a time, in sessions
 * with the snapshot's own settings.
 * No loader that produces these typed columns on the same server can finish sooner, so it is the
 * floor litebridge's own wall time is measured against.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { BinaryCopyOut, binaryRowEncoder } from '../../src/codec/index.js';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/config/config.js';
import type { TargetTable } from '../../src/model/target-schema.js';
import { createPool } from '../../src/pg/pool.js';
import { parallelMap } from '../../src/pg/post-data.js';
import { BULK_SETTINGS } from '../../src/pipeline/snapshot.js';
import { createTableSql, postDataSql, qualified } from '../../src/schema/ddl.js';
import { introspect } from '../../src/schema/introspect.js';
import { quoteIdent } from '../../src/schema/quote.js';
import { translate } from '../../src/schema/translate.js';
import { openSqlite } from '../../src/sqlite/open.js';
import { tableReader } from '../../src/sqlite/snapshot-read.js';
import type { ExitStatus } from './measure.js';

/** Streams and index builds at once: litebridge's default `--parallel`. */
const PARALLEL = 4;
/** Tables of at least this many rows are cut into PARALLEL key ranges. */
const SPLIT_ROWS = 200_000;

/** One file of binary COPY data and the table it goes into. */
interface CopyFile {
  readonly table: TargetTable;
  readonly path: string;
  readonly rows: number;
}

/** What the timed part needs: the tables' DDL and the COPY files, largest first. */
export interface FloorInput {
  readonly tables: readonly TargetTable[];
  readonly files: readonly CopyFile[];
}

/** Deletes the COPY files. */
export async function removeFloor(input: FloorInput): Promise<void> {
  for (const file of input.files) await rm(file.path, { force: true });
}

/** Untimed: translates the schema and writes every table's binary COPY data through the codec. */
export async function prepareFloor(sqlitePath: string, outDir: string): Promise<FloorInput> {
  const db = openSqlite(sqlitePath, { readonly: true });
  try {
    const source = introspect(db);
    const target = translate(source, { ...DEFAULT_TRANSLATE_OPTIONS, schema: 'public' });
    const files: CopyFile[] = [];
    for (const table of target.tables) {
      const reader = tableReader(db, source.tables.find((t) => t.name === table.source)!, table);
      const encodeRow = binaryRowEncoder(table.columns);
      const data = new BinaryCopyOut();
      const ranges = reader.count() >= SPLIT_ROWS ? reader.split(PARALLEL) : [{}];
      for (const [i, range] of ranges.entries()) {
        const path = join(outDir, `floor-${table.name}-${i}.copy`);
        const out = createWriteStream(path);
        let rows = 0;
        out.write(BinaryCopyOut.header());
        for (const page of reader.pages(2_000, range)) {
          for (const row of page) encodeRow(row, data);
          rows += page.length;
          if (!out.write(data.take())) await drained(out);
        }
        out.write(BinaryCopyOut.trailer());
        await new Promise<void>((resolve, reject) =>
          out.end((error?: Error | null) => (error ? reject(error) : resolve())),
        );
        files.push({ table, path, rows });
      }
    }
    files.sort((a, b) => b.rows - a.rows);
    return { tables: target.tables, files };
  } finally {
    db.close();
  }
}

const drained = (out: WriteStream): Promise<void> => new Promise((resolve) => out.once('drain', resolve));

/** Timed: creates the tables, loads the files and builds the keys, PARALLEL at a time. */
export async function loadFloor(url: string, input: FloorInput): Promise<ExitStatus> {
  const pool = createPool(url, { max: PARALLEL, settings: BULK_SETTINGS });
  try {
    for (const table of input.tables) await pool.query(createTableSql(table));
    await parallelMap(input.files, PARALLEL, async (file) => {
      const client = await pool.connect();
      try {
        const columns = file.table.columns.map((c) => quoteIdent(c.name)).join(', ');
        const sql = `COPY ${qualified(file.table.schema, file.table.name)} (${columns}) FROM STDIN WITH (FORMAT binary)`;
        await pipeline(createReadStream(file.path), client.query(copyFrom(sql)));
      } finally {
        client.release();
      }
    });
    const post = input.tables.map(postDataSql);
    await parallelMap(
      post.flatMap((p) => [...p.primaryKeyIndex, ...p.indexes]),
      PARALLEL,
      (sql) => pool.query(sql),
    );
    for (const sql of post.flatMap((p) => p.primaryKey)) await pool.query(sql);
    return { code: 0, signal: null };
  } finally {
    await pool.end();
  }
}

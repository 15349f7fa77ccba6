/** How large a table's rows are, for bounding what is read at once (snapshot pages, checksum chunks). */
import { fromSqliteError } from '../errors.js';
import type { SourceTable } from '../model/source-schema.js';
import { quoteIdent } from '../schema/quote.js';
import type { SqliteDatabase } from './open.js';

/** The sizes of a table's rows as SQLite stores them (records: text and blobs byte for byte). */
export interface RowSizes {
  /** Bytes of the largest row. */
  readonly largest: number;
  /** Bytes of all rows together. */
  readonly total: number;
}

/**
 * The sizes of the table's rows, in the caller's read transaction: about what rows take in
 * memory once read. SQLite's `dbstat` table gives them from the b-tree's pages without reading a
 * value; where `dbstat` is not compiled in, the column sizes are summed row by row instead
 * (`octet_length` reads no text or blob either).
 */
export function rowSizes(db: SqliteDatabase, source: SourceTable): RowSizes {
  try {
    const fromPages = db
      .prepare("SELECT mx_payload, payload FROM dbstat WHERE name = ? AND schema = 'main' AND aggregate = 1")
      .raw(true)
      .get(source.name) as [unknown, unknown] | undefined;
    if (fromPages !== undefined)
      return { largest: Number(fromPages[0] ?? 0), total: Number(fromPages[1] ?? 0) };
  } catch {
    // no dbstat: the slower exact query below
  }
  const sizes = source.columns.map((c) => `ifnull(octet_length(${quoteIdent(c.name)}), 0)`).join(' + ');
  try {
    const [largest, total] = db
      .prepare(`SELECT max(s), sum(s) FROM (SELECT ${sizes} AS s FROM ${quoteIdent(source.name)})`)
      .raw(true)
      .get() as [unknown, unknown];
    return { largest: Number(largest ?? 0), total: Number(total ?? 0) };
  } catch (error) {
    throw fromSqliteError(error, `reading the row sizes of table "${source.name}" failed`);
  }
}

/**
 * How many rows fit in `maxBytes` when every row may be as large as `largest` bytes: at most
 * `maxRows`, at least 1.
 */
export function rowsWithin(maxRows: number, maxBytes: number, largest: number): number {
  return Math.max(1, Math.min(maxRows, Math.floor(maxBytes / Math.max(1, largest))));
}

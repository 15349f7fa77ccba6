/**
 * The one SELECT that reads a table's current row by its key, as the batch reader and the drift
 * repair both need it: target values in target column order, safe integers, the key compared as
 * SQLite's key compares it (a NOCASE key finds its row whatever the case of the key in hand).
 */
import type Database from 'better-sqlite3';
import type { SqlValue } from '../model/sql-value.js';
import { sourceKeyCollations, sqliteEquals } from '../schema/key-collation.js';
import { keyColumns } from '../schema/key-columns.js';
import { quoteIdent } from '../schema/quote.js';
import type { ReplicatedTable } from '../schema/replicated.js';
import type { SqliteDatabase } from './open.js';
import { targetValuesSql } from './snapshot-read.js';

/** A prepared row-by-key read: `get(...key)` gives the row's values (raw), or undefined when gone. */
export type RowByKey = Database.Statement<SqlValue[], SqlValue[]>;

/**
 * `key = ? AND …` over the table's key columns in key order (the declared primary key, or the
 * rowid under its unshadowed name), each compared with its SQLite collation.
 */
export function keyWhereSql(table: ReplicatedTable): string {
  const collations = sourceKeyCollations(table.source);
  return keyColumns(table.target)
    .map((k, i) => sqliteEquals(quoteIdent(k.source.name), '?', collations[i] ?? 'binary'))
    .join(' AND ');
}

/** Prepares the read of one row of `table` by key (placeholders in key order). */
export function prepareRowByKey(db: SqliteDatabase, table: ReplicatedTable): RowByKey {
  return db
    .prepare<SqlValue[], SqlValue[]>(
      `SELECT ${targetValuesSql(table.target)} FROM ${quoteIdent(table.source.name)} WHERE ${keyWhereSql(table)}`,
    )
    .safeIntegers(true)
    .raw(true);
}

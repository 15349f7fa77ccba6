/**
 * Reverse replication's SQLite side: applies one PostgreSQL transaction (as pgoutput decoded it,
 * values still PostgreSQL text) to the SQLite file in ONE `BEGIN IMMEDIATE` transaction, with
 * capture muted inside it (no echo into the changelog; the cutover fence lets it through) and the
 * transaction's commit end LSN stored as `_litebridge_meta.reverse_lsn` in the same transaction.
 * A transaction at or below the stored LSN is skipped, so re-delivery changes nothing.
 */
import { BridgeError, fromSqliteError } from '../errors.js';
import type { PgTransaction } from '../model/pg-transaction.js';
import { formatLsn, parseLsn } from '../model/position.js';
import { quoteIdent } from '../schema/quote.js';
import type { ReversePlan } from '../schema/reverse-plan.js';
import { META_TABLE, setCaptureEnabledSql } from './capture-sql.js';
import { type SqliteDatabase, tableExists } from './open.js';
import { captureFlag, RowWriter } from './reverse-rows.js';

export { type ReversePlan, type ReverseTable, reversePlan } from '../schema/reverse-plan.js';

/** What applying one transaction did. */
export interface ReverseApplyResult {
  /** False when the transaction was at or below the stored position (already applied). */
  readonly applied: boolean;
  /** Rows inserted, updated or deleted (truncates count the rows they removed). */
  readonly rows: number;
}

/** The `_litebridge_meta` key holding the last applied PostgreSQL position. */
export const REVERSE_LSN_KEY = 'reverse_lsn';

const META_DDL = `CREATE TABLE IF NOT EXISTS ${quoteIdent(META_TABLE)} (key TEXT PRIMARY KEY, value)`;
const PUT_META = `INSERT OR REPLACE INTO ${quoteIdent(META_TABLE)} (key, value) VALUES (?, ?)`;

/**
 * Stores `lsn` as the position reverse replication starts after (cutover calls it inside its
 * fence window with the slot's consistent point). Joins the caller's transaction when one is open.
 */
export function setReverseStart(db: SqliteDatabase, lsn: string): void {
  const normal = formatLsn(parseLsn(lsn));
  const write = (): void => {
    db.exec(META_DDL);
    db.prepare(PUT_META).run(REVERSE_LSN_KEY, normal);
  };
  try {
    if (db.inTransaction) write();
    else db.transaction(write).immediate();
  } catch (error) {
    throw fromSqliteError(error, 'storing the reverse replication start position failed');
  }
}

/** The stored reverse replication position, or null when none was ever set. */
export function readReverseLsn(db: SqliteDatabase): string | null {
  try {
    if (!tableExists(db, META_TABLE)) return null;
    const value = db
      .prepare(`SELECT value FROM ${quoteIdent(META_TABLE)} WHERE key = ?`)
      .pluck()
      .get(REVERSE_LSN_KEY);
    return value === undefined || value === null ? null : String(value);
  } catch (error) {
    throw fromSqliteError(error, 'reading the reverse replication position failed');
  }
}

/**
 * Applies `tx` to SQLite in one `BEGIN IMMEDIATE` transaction: skip when its end LSN is at or
 * below the stored `reverse_lsn`; else mute capture, apply every change (inserts and updates as
 * upserts by key, so re-delivery is harmless; an update writes only the columns it carries and
 * moves the row when the key changed; deletes by key; truncates delete every row), store the end
 * LSN, restore the capture flag, commit. Foreign keys are checked at commit, as PostgreSQL's
 * order of changes may pass through states SQLite's immediate checks would refuse.
 */
export function applyReverseTransaction(
  db: SqliteDatabase,
  plan: ReversePlan,
  tx: PgTransaction,
): ReverseApplyResult {
  const end = parseLsn(tx.endLsn);
  const run = (): ReverseApplyResult => {
    const stored = readReverseLsn(db);
    if (stored !== null && end <= parseLsn(stored)) return { applied: false, rows: 0 };
    const flag = captureFlag(db);
    if (flag !== undefined) db.exec(setCaptureEnabledSql(false));
    db.pragma('defer_foreign_keys = ON');
    const writer = new RowWriter(db, plan, tx);
    for (const change of tx.changes) writer.apply(change);
    const rows = writer.finish();
    db.exec(META_DDL);
    db.prepare(PUT_META).run(REVERSE_LSN_KEY, formatLsn(end));
    if (flag !== undefined && flag !== 0n) db.exec(setCaptureEnabledSql(true));
    return { applied: true, rows };
  };
  try {
    return db.transaction(run).immediate();
  } catch (error) {
    if (error instanceof BridgeError) throw error;
    throw fromSqliteError(
      error,
      `applying PostgreSQL transaction ${tx.xid} (commit ${tx.commitLsn}) to SQLite failed`,
    );
  }
}

/**
 * Reverse replication's SQLite side: writes one PostgreSQL transaction (as pgoutput decoded it,
 * values still PostgreSQL text) into the SQLite file as its changes stream in, in ONE
 * `BEGIN IMMEDIATE` transaction, with capture muted inside it (no echo into the changelog; the
 * cutover fence lets it through) and the transaction's commit end LSN stored as
 * `_litebridge_meta.reverse_lsn` in the same transaction. A transaction SQLite already has is
 * skipped, so re-delivery changes nothing.
 */
import { BridgeError, fromSqliteError } from '../errors.js';
import type { PgRowChange, PgTransaction, PgTransactionStart } from '../model/pg-transaction.js';
import { formatLsn, parseLsn } from '../model/position.js';
import { quoteIdent } from '../schema/quote.js';
import type { ReversePlan } from '../schema/reverse-plan.js';
import { META_TABLE, setCaptureEnabledSql } from './capture-sql.js';
import { type SqliteDatabase, tableExists } from './open.js';
import { captureFlag, prepared, RowWriter } from './reverse-rows.js';

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
 * One PostgreSQL transaction being written into SQLite as its changes stream in, in one
 * `BEGIN IMMEDIATE` SQLite transaction opened at its Begin: capture muted (no echo into the
 * changelog; the cutover fence lets it through), foreign keys checked at commit (PostgreSQL's
 * order of changes may pass through states SQLite's immediate checks would refuse), every change
 * written as it arrives (inserts and updates as upserts by key, so re-delivery is harmless; an
 * update writes only the columns it carries and moves the row when the key changed; deletes by
 * key; truncates delete every row). `commit` stores the end LSN, restores the capture flag and
 * commits; `rollback` (or a crash) leaves SQLite as it was, so the slot, never acknowledged,
 * sends the whole transaction again. Memory does not grow with the transaction's size.
 */
export class ReverseTransaction {
  readonly #db: SqliteDatabase;
  readonly #start: PgTransactionStart;
  readonly #writer: RowWriter;
  readonly #flag: bigint | undefined;
  #open = true;

  private constructor(
    db: SqliteDatabase,
    plan: ReversePlan,
    start: PgTransactionStart,
    flag: bigint | undefined,
  ) {
    this.#db = db;
    this.#start = start;
    this.#flag = flag;
    this.#writer = new RowWriter(db, plan, start);
  }

  /**
   * Opens the SQLite transaction for the PostgreSQL transaction `start` announces, or returns
   * null (and opens nothing) when SQLite already has it: its commit LSN is below the stored
   * position, which is the end LSN of the last transaction applied.
   */
  static begin(db: SqliteDatabase, plan: ReversePlan, start: PgTransactionStart): ReverseTransaction | null {
    const commit = parseLsn(start.commitLsn);
    return guarded(start, () => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const stored = readReverseLsn(db);
        if (stored !== null && commit < parseLsn(stored)) {
          db.exec('ROLLBACK');
          return null;
        }
        const flag = captureFlag(db);
        if (flag !== undefined) db.exec(setCaptureEnabledSql(false));
        db.pragma('defer_foreign_keys = ON');
        return new ReverseTransaction(db, plan, start, flag);
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  /** Writes one change; a failure rolls the whole transaction back and is rethrown. */
  apply(change: PgRowChange): void {
    this.#guard(() => this.#writer.apply(change));
  }

  /**
   * Stores `endLsn` as `reverse_lsn`, restores the capture flag and commits; returns the rows
   * written. A failure (a partial update left unsettled, a foreign key) rolls back and is rethrown.
   */
  commit(endLsn: string): number {
    return this.#guard(() => {
      const rows = this.#writer.finish();
      this.#db.exec(META_DDL);
      prepared(this.#db, PUT_META).run(REVERSE_LSN_KEY, formatLsn(parseLsn(endLsn)));
      if (this.#flag !== undefined && this.#flag !== 0n) this.#db.exec(setCaptureEnabledSql(true));
      this.#db.exec('COMMIT');
      this.#open = false;
      return rows;
    });
  }

  /** Undoes everything written since Begin (nothing when already committed or rolled back). */
  rollback(): void {
    if (!this.#open) return;
    this.#open = false;
    if (this.#db.open && this.#db.inTransaction) this.#db.exec('ROLLBACK');
  }

  #guard<T>(write: () => T): T {
    if (!this.#open) {
      throw new BridgeError(
        'INTERNAL',
        `PostgreSQL transaction ${this.#start.xid} is no longer open in SQLite`,
      );
    }
    try {
      return guarded(this.#start, write);
    } catch (error) {
      this.rollback();
      throw error;
    }
  }
}

/** Runs `write`, turning a SQLite error into a BridgeError that names the transaction. */
function guarded<T>(start: PgTransactionStart, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (error instanceof BridgeError) throw error;
    throw fromSqliteError(
      error,
      `applying PostgreSQL transaction ${start.xid} (commit ${start.commitLsn}) to SQLite failed`,
    );
  }
}

/**
 * Applies a whole collected `tx` through `ReverseTransaction`: skipped when its end LSN is at or
 * below the stored `reverse_lsn`, else every change and the end LSN in one SQLite transaction.
 */
export function applyReverseTransaction(
  db: SqliteDatabase,
  plan: ReversePlan,
  tx: PgTransaction,
): ReverseApplyResult {
  const stored = readReverseLsn(db);
  if (stored !== null && parseLsn(tx.endLsn) <= parseLsn(stored)) return { applied: false, rows: 0 };
  const open = ReverseTransaction.begin(db, plan, tx);
  if (open === null) return { applied: false, rows: 0 };
  for (const change of tx.changes) open.apply(change);
  return { applied: true, rows: open.commit(tx.endLsn) };
}

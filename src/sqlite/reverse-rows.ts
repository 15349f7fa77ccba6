/**
 * The row writes of reverse apply, inside the transaction `applyReverseTransaction` opened:
 * upserts by key (UPDATE, then INSERT when no row matched: never `INSERT OR REPLACE`, whose
 * delete would fire the application's ON DELETE actions), partial updates that leave columns
 * PostgreSQL did not send alone, key moves, deletes and truncates.
 */
import type Database from 'better-sqlite3';
import { BridgeError } from '../errors.js';
import type { PgRowChange, PgTuple as PgRowTuple, PgTransactionStart } from '../model/pg-transaction.js';
import type { SqlValue } from '../model/sql-value.js';
import { foldText, sqliteEquals } from '../schema/key-collation.js';
import { quoteIdent } from '../schema/quote.js';
import { type ReversePlan, type ReverseTable, tableLabel } from '../schema/reverse-plan.js';
import { CAPTURE_FLAG_TABLE, captureTriggerNames } from './capture-sql.js';
import { fenceTriggerNames } from './fence-sql.js';
import { type SqliteDatabase, tableExists } from './open.js';

type Statement = Database.Statement<unknown[]>;

const statements = new WeakMap<SqliteDatabase, Map<string, Statement>>();

/** A prepared statement for `sql`, compiled once per connection. */
export function prepared(db: SqliteDatabase, sql: string): Statement {
  let cache = statements.get(db);
  if (cache === undefined) {
    cache = new Map();
    statements.set(db, cache);
  }
  let statement = cache.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/** A table's statements for full rows, compiled once per connection and table. */
interface TableStatements {
  /** INSERT of every column in `columnNames` order. */
  readonly insertAll: Statement;
  /** UPDATE of every non-key column (in `rest` order) by key. */
  readonly updateRest: Statement | null;
  readonly rest: readonly string[];
  readonly delete: Statement;
  readonly exists: Statement;
}

const tableStatements = new WeakMap<SqliteDatabase, WeakMap<ReverseTable, TableStatements>>();

function statementsFor(db: SqliteDatabase, table: ReverseTable): TableStatements {
  let cache = tableStatements.get(db);
  if (cache === undefined) {
    cache = new WeakMap();
    tableStatements.set(db, cache);
  }
  let found = cache.get(table);
  if (found === undefined) {
    const rest = table.columnNames.filter((c) => !table.keyColumns.includes(c));
    found = {
      insertAll: db.prepare(insertSql(table, table.columnNames)),
      updateRest: rest.length === 0 ? null : db.prepare(updateSql(table, rest)),
      rest,
      delete: db.prepare(deleteSql(table)),
      exists: db.prepare(existsSql(table)),
    };
    cache.set(table, found);
  }
  return found;
}

/**
 * Rows of one table in one transaction after which its litebridge triggers are set aside for the
 * rest of the transaction: with capture off they do nothing, but SQLite still evaluates their
 * WHEN per row, which costs more than the row's own insert. Below this, small transactions leave
 * the schema alone.
 */
const SET_ASIDE_AFTER = 10_000;

const TRIGGER_SQL = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?";

/** SQLite's answer to an INSERT whose key is taken. */
const KEY_TAKEN = new Set(['SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_ROWID']);

/** The capture flag's value, or undefined when capture is not installed in the file. */
export function captureFlag(db: SqliteDatabase): bigint | undefined {
  if (!tableExists(db, CAPTURE_FLAG_TABLE)) return undefined;
  const flag = prepared(db, `SELECT enabled FROM ${quoteIdent(CAPTURE_FLAG_TABLE)} WHERE id = 1`)
    .pluck()
    .get();
  return flag === undefined || flag === null ? undefined : BigInt(flag as bigint | number);
}

/** A partial update whose row SQLite does not have: fatal unless a later change settles the key. */
interface Unsettled {
  readonly table: ReverseTable;
  readonly key: readonly SqlValue[];
  readonly missing: readonly string[];
}

/**
 * Applies the changes of one PostgreSQL transaction in order. A partial update (unchanged TOAST
 * columns not sent) of a row SQLite lacks cannot be written; it is only acceptable when a later
 * change of the same transaction deletes or fully rewrites that key (a re-delivered transaction
 * does that), so `finish()` refuses the transaction if one is left.
 */
export class RowWriter {
  readonly #db: SqliteDatabase;
  readonly #plan: ReversePlan;
  readonly #tx: PgTransactionStart;
  readonly #unsettled = new Map<string, Unsettled>();
  /** Changes per table so far, until its triggers are set aside. */
  readonly #written = new Map<ReverseTable, number>();
  /** The CREATE TRIGGER statements of the triggers set aside, run again before COMMIT. */
  #setAside: string[] = [];
  #rows = 0;

  constructor(db: SqliteDatabase, plan: ReversePlan, tx: PgTransactionStart) {
    this.#db = db;
    this.#plan = plan;
    this.#tx = tx;
  }

  /** Applies one change. */
  apply(change: PgRowChange): void {
    if (change.kind === 'truncate') {
      for (const relation of change.relations) {
        const table = this.#plan.table(relation);
        this.#rows += prepared(this.#db, `DELETE FROM ${quoteIdent(table.sqliteName)}`).run().changes;
        for (const [id, u] of this.#unsettled) if (u.table === table) this.#unsettled.delete(id);
      }
      return;
    }
    const table = this.#plan.table(change.relation);
    this.#count(table);
    if (change.kind === 'delete') {
      const key = table.decodeKey(change.old, this.#tx);
      this.#rows += statementsFor(this.#db, table).delete.run(key).changes;
      this.#settle(table, key);
      return;
    }
    const row = table.decodeRow(change.new, this.#tx);
    const key = table.keyColumns.map((c) => row.get(c) as SqlValue);
    if (change.kind === 'insert') {
      this.#refuseSecondRow(table, key, change.new);
      if (this.#insert(table, row, key)) return;
    }
    if (change.kind === 'update' && change.old !== null) {
      const oldKey = table.decodeKey(change.old, this.#tx);
      // The key changed, or only its spelling: 'yssy' → 'YSSY' is the same NOCASE key in SQLite.
      if (renderKey(oldKey) !== renderKey(key)) {
        const sameKey = keyId(table, oldKey) === keyId(table, key);
        const statements = statementsFor(this.#db, table);
        if (!sameKey && statements.exists.get(...key) !== undefined) {
          // Re-delivered: the row is at its new key already; drop any copy left at the old one.
          this.#rows += statements.delete.run(...oldKey).changes;
          this.#upsert(table, row, key);
          return;
        }
        // Move the row where it is, keeping columns PostgreSQL did not send.
        const columns = [...row.keys()];
        const moved = prepared(this.#db, updateSql(table, columns)).run(
          ...columns.map((c) => row.get(c)),
          ...oldKey,
        );
        if (moved.changes > 0) {
          this.#rows += moved.changes;
          this.#settle(table, key);
          return;
        }
      }
    }
    this.#upsert(table, row, key);
  }

  /**
   * Rows written; puts back the triggers set aside (the transaction commits with the schema it
   * began with). Throws BAD_STATE when a partial update's row was never settled.
   */
  finish(): number {
    this.#unsettledFailure();
    for (const sql of this.#setAside) this.#db.exec(sql);
    this.#setAside = [];
    return this.#rows;
  }

  #count(table: ReverseTable): void {
    const n = this.#written.get(table);
    if (n === -1) return;
    if (n === undefined || n < SET_ASIDE_AFTER) {
      this.#written.set(table, (n ?? 0) + 1);
      return;
    }
    this.#written.set(table, -1);
    // Inside this transaction only: a crash or rollback brings them back, nobody else sees them gone.
    const names = [
      ...Object.values(captureTriggerNames(table.sqliteName)),
      ...Object.values(fenceTriggerNames(table.sqliteName)),
    ];
    for (const name of names) {
      const sql = prepared(this.#db, TRIGGER_SQL).pluck().get(name);
      if (typeof sql !== 'string') continue;
      this.#db.exec(`DROP TRIGGER ${quoteIdent(name)}`);
      this.#setAside.push(sql);
    }
  }

  #unsettledFailure(): void {
    for (const u of this.#unsettled.values()) {
      throw new BridgeError(
        'BAD_STATE',
        `row ${tableLabel(u.table)} key ${renderKey(u.key)} is missing in SQLite, and PostgreSQL did not send its unchanged TOASTed column(s) ${u.missing.map((c) => `"${c}"`).join(', ')}`,
        {
          details: {
            table: u.table.sqliteName,
            key: renderKey(u.key),
            columns: u.missing,
            lsn: this.#tx.commitLsn,
          },
          hint: 'SQLite and PostgreSQL differ: compare them with `litebridge drift-report`; REPLICA IDENTITY FULL on the PostgreSQL table makes PostgreSQL send every column',
        },
      );
    }
  }

  /**
   * A partitioned PostgreSQL table is keyed by the SQLite key plus the partition column: an
   * insert whose SQLite key is taken by a row in another partition is a second row SQLite cannot
   * hold. Writing it would silently overwrite the first; stop instead, naming both.
   */
  #refuseSecondRow(table: ReverseTable, key: readonly SqlValue[], tuple: PgRowTuple): void {
    const column = table.partitionColumn;
    if (column === null) return;
    const found = prepared(
      this.#db,
      `SELECT ${quoteIdent(column)} FROM ${quoteIdent(table.sqliteName)} WHERE ${where(table)}`,
    )
      .raw(true)
      .get(...key) as SqlValue[] | undefined;
    if (found === undefined || table.samePartition(found[0] as SqlValue, tuple)) return;
    throw new BridgeError(
      'BAD_STATE',
      `PostgreSQL inserted a second row with key ${renderKey(key)} into partitioned table ${tableLabel(table)} (SQLite's row there has "${column}" = ${String(found[0])}, another partition): SQLite keys the table by ${table.keyColumns.map((c) => `"${c}"`).join(', ')} alone and cannot hold both rows`,
      {
        details: { table: table.sqliteName, key: renderKey(key), column, lsn: this.#tx.commitLsn },
        hint: 'delete or renumber one of the two rows in PostgreSQL (the application must not reuse ids across partitions), then restart sync',
      },
    );
  }

  /**
   * A full row inserted as it is, the common case (one statement); false when it is not a full
   * row or its key is taken already (a re-delivery), for `#upsert` to settle.
   */
  #insert(table: ReverseTable, row: ReadonlyMap<string, SqlValue>, key: readonly SqlValue[]): boolean {
    if (row.size !== table.columnNames.length) return false;
    try {
      this.#rows += statementsFor(this.#db, table).insertAll.run(valuesOf(row, table.columnNames)).changes;
    } catch (error) {
      if (KEY_TAKEN.has((error as { code?: unknown }).code as string)) return false;
      throw error;
    }
    this.#settle(table, key);
    return true;
  }

  #upsert(table: ReverseTable, row: ReadonlyMap<string, SqlValue>, key: readonly SqlValue[]): void {
    const full = row.size === table.columnNames.length;
    const statements = statementsFor(this.#db, table);
    const rest = full ? statements.rest : [...row.keys()].filter((c) => !table.keyColumns.includes(c));
    if (rest.length > 0) {
      const update =
        full && statements.updateRest !== null
          ? statements.updateRest
          : prepared(this.#db, updateSql(table, rest));
      const changed = update.run(valuesOf(row, rest), key);
      if (changed.changes > 0) {
        this.#rows += changed.changes;
        if (full) this.#settle(table, key);
        return;
      }
    } else if (statements.exists.get(...key) !== undefined) {
      return;
    }
    if (!full) {
      const missing = table.columnNames.filter((c) => !row.has(c));
      this.#unsettled.set(keyId(table, key), { table, key, missing });
      return;
    }
    this.#rows += statements.insertAll.run(valuesOf(row, table.columnNames)).changes;
    this.#settle(table, key);
  }

  /** The key's row is written or gone: a partial update left unsettled on it no longer is. */
  #settle(table: ReverseTable, key: readonly SqlValue[]): void {
    if (this.#unsettled.size > 0) this.#unsettled.delete(keyId(table, key));
  }
}

/**
 * The values of `columns` in `row`, in order: one array, bound as it is (better-sqlite3 binds
 * an array's elements as the anonymous parameters, with no spread per row).
 */
function valuesOf(row: ReadonlyMap<string, SqlValue>, columns: readonly string[]): SqlValue[] {
  const values = new Array<SqlValue>(columns.length);
  for (let i = 0; i < columns.length; i++) values[i] = row.get(columns[i]!) as SqlValue;
  return values;
}

/** A string identifying a key of a table within one transaction, as SQLite compares keys (NOCASE, RTRIM). */
function keyId(table: ReverseTable, key: readonly SqlValue[]): string {
  return `${table.sqliteName}\u0000${renderKey(key.map((v, i) => foldText(v, table.keyCollations[i] ?? 'binary')))}`;
}

function renderKey(key: readonly SqlValue[]): string {
  const one = (v: SqlValue): string =>
    v instanceof Uint8Array
      ? `x'${Buffer.from(v).toString('hex')}'`
      : typeof v === 'string'
        ? `'${v.replaceAll("'", "''")}'`
        : String(v);
  return `(${key.map(one).join(', ')})`;
}

/** Key columns equal to the parameters as SQLite compares the key (its index's collations). */
const where = (table: ReverseTable): string =>
  table.keyColumns
    .map((c, i) => sqliteEquals(quoteIdent(c), '?', table.keyCollations[i] ?? 'binary'))
    .join(' AND ');

function updateSql(table: ReverseTable, set: readonly string[]): string {
  const assignments = set.map((c) => `${quoteIdent(c)} = ?`).join(', ');
  return `UPDATE ${quoteIdent(table.sqliteName)} SET ${assignments} WHERE ${where(table)}`;
}

function insertSql(table: ReverseTable, columns: readonly string[]): string {
  const names = columns.map(quoteIdent).join(', ');
  return `INSERT INTO ${quoteIdent(table.sqliteName)} (${names}) VALUES (${columns.map(() => '?').join(', ')})`;
}

function deleteSql(table: ReverseTable): string {
  return `DELETE FROM ${quoteIdent(table.sqliteName)} WHERE ${where(table)}`;
}

function existsSql(table: ReverseTable): string {
  return `SELECT 1 FROM ${quoteIdent(table.sqliteName)} WHERE ${where(table)}`;
}

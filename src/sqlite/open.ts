import Database from 'better-sqlite3';
import { BridgeError, fromSqliteError } from '../errors.js';
import { requireSharedSidecars } from './wal-sidecars.js';

export type SqliteDatabase = Database.Database;

export interface OpenOptions {
  /** Open read-only: the snapshot and verify never write to the application's file. */
  readonly readonly?: boolean;
  /** How long a statement waits for the application's lock before SQLITE_BUSY (ms). */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens the application's SQLite file with safe integers on (INTEGER → bigint, exact to 2^63)
 * and a busy timeout, so litebridge waits for the application's short write locks instead of
 * failing. The file must exist: litebridge never creates an empty database by mistake. A WAL-mode
 * file mounted on its own (without its directory, whose -wal and -shm it needs) is refused before
 * SQLite creates anything beside it.
 */
export function openSqlite(path: string, options: OpenOptions = {}): SqliteDatabase {
  requireSharedSidecars(path);
  let db: SqliteDatabase;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: true });
  } catch (error) {
    throw new BridgeError('SOURCE', `cannot open SQLite file ${path}: ${(error as Error).message}`, {
      cause: error,
      hint: 'check the path given with --sqlite or SQLITE_PATH',
    });
  }
  try {
    db.defaultSafeIntegers(true);
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    // Fail early on a file that is not a database (better-sqlite3 opens lazily).
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (error) {
    db.close();
    throw fromSqliteError(error, `cannot read SQLite file ${path}`);
  }
  return db;
}

/** The file's journal mode (`wal`, `delete`, `truncate`, …), lower case. */
export function journalMode(db: SqliteDatabase): string {
  return String(db.pragma('journal_mode', { simple: true })).toLowerCase();
}

/** The one command that switches a file to WAL mode, for messages. */
export function walSwitchCommand(path: string): string {
  return `sqlite3 ${JSON.stringify(path)} 'PRAGMA journal_mode=WAL;'`;
}

/** `PRAGMA schema_version`: moves with every schema change of any connection (as of the read snapshot). */
export function schemaVersion(db: SqliteDatabase): number {
  return Number(db.pragma('schema_version', { simple: true }) as bigint | number);
}

/** The prepared "does this table exist" statement of each connection. */
const tableExistsStatements = new WeakMap<SqliteDatabase, Database.Statement<[string]>>();

/** True when the file has a table named exactly `name` (as of the caller's read snapshot, if any). */
export function tableExists(db: SqliteDatabase, name: string): boolean {
  let statement = tableExistsStatements.get(db);
  if (statement === undefined) {
    statement = db.prepare<[string]>("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?");
    tableExistsStatements.set(db, statement);
  }
  return statement.get(name) !== undefined;
}

/**
 * Runs `fn` in a BEGIN IMMEDIATE transaction (it waits for the application's write lock);
 * a failure becomes a BridgeError saying `${context} failed`.
 */
export function inImmediate<T>(db: SqliteDatabase, context: string, fn: () => T): T {
  try {
    return db.transaction(fn).immediate();
  } catch (error) {
    throw fromSqliteError(error, `${context} failed`);
  }
}

/**
 * The one error type litebridge throws on purpose. `code` says whose fault it is, `retriable`
 * whether trying the same step again can help. Only `cli/main.ts` turns it into an exit code.
 */
export type ErrorCode =
  | 'BAD_ARGS' // the command line is wrong
  | 'BAD_CONFIG' // the configuration (file, environment) is wrong
  | 'BAD_STATE' // the databases are not in a state this command can work from
  | 'SOURCE' // SQLite failed
  | 'TARGET' // PostgreSQL failed
  | 'DATA' // a value PostgreSQL cannot hold, or a schema it cannot take
  | 'INTERNAL'; // a bug

export interface BridgeErrorOptions {
  readonly retriable?: boolean;
  readonly cause?: unknown;
  /** Where the error is: table, key, column, value… shown to the operator and in --json. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** One sentence telling the operator what to do. */
  readonly hint?: string;
}

export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>>;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: BridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
    this.hint = options.hint;
  }
}

/** SQLSTATE classes and codes after which the same statement may succeed when retried. */
const RETRIABLE_SQLSTATE = /^(08|53|57P0[123]|40001|40P01|55P03|58)/;

/** Socket errors after which a new connection may succeed (a restart, a network blip). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** SQLite result codes that mean "try again": the file is busy or locked by the application. */
const RETRIABLE_SQLITE = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT']);

/** The message pg gives a query whose connection the server or the network dropped. */
const CONNECTION_LOST = /Connection terminated|is not queryable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT/i;

/**
 * True for what pg throws when PostgreSQL fails (an error with a SQLSTATE, a socket error, a
 * dropped connection), as opposed to a bug: the boundary of a long-running command turns these
 * into `TARGET` errors with `fromPgError`, and lets anything else through as the bug it is.
 */
export function isPgFailure(error: unknown): boolean {
  if (error instanceof BridgeError || !(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (/^[0-9A-Z]{5}$/.test(code) || NETWORK_CODES.has(code))) return true;
  return CONNECTION_LOST.test(error.message);
}

/** Turns anything thrown by pg into a BridgeError that keeps SQLSTATE, table and constraint. */
export function fromPgError(error: unknown, context: string): BridgeError {
  if (error instanceof BridgeError) return error;
  const e = error as {
    code?: string;
    message?: string;
    table?: string;
    constraint?: string;
    column?: string;
  };
  const code = typeof e.code === 'string' ? e.code : undefined;
  // A SQLSTATE is five digits or capitals; Node's socket errors (ECONNREFUSED…) are not.
  const sqlstate = code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const network = (code !== undefined && NETWORK_CODES.has(code)) || CONNECTION_LOST.test(String(e.message));
  const retriable = network || (sqlstate !== undefined && RETRIABLE_SQLSTATE.test(sqlstate));
  return new BridgeError('TARGET', `${context}: ${e.message ?? String(error)}`, {
    retriable,
    cause: error,
    details: { sqlstate: sqlstate ?? code, table: e.table, constraint: e.constraint, column: e.column },
  });
}

/** Turns a better-sqlite3 SqliteError into a BridgeError that keeps its result code. */
export function fromSqliteError(error: unknown, context: string): BridgeError {
  if (error instanceof BridgeError) return error;
  const e = error as { code?: string; message?: string };
  const hint = typeof e.code === 'string' ? SQLITE_HINTS[e.code] : undefined;
  return new BridgeError('SOURCE', `${context}: ${e.message ?? String(error)}`, {
    retriable: typeof e.code === 'string' && RETRIABLE_SQLITE.has(e.code),
    cause: error,
    details: { sqliteCode: e.code },
    ...(hint === undefined ? {} : { hint }),
  });
}

/** The fix for SQLite errors a user's file or folder causes (permissions, read-only mounts). */
const SQLITE_HINTS: Readonly<Record<string, string>> = {
  SQLITE_READONLY_DIRECTORY:
    "the file's folder is read-only: SQLite needs to create the -wal and -shm files of a WAL-mode database beside it; make the folder writable for this user (or copy the file somewhere writable)",
  SQLITE_READONLY:
    'the file (or its -wal/-shm files) cannot be written by this user: give it the permissions of the application that writes it, or run litebridge as that user',
  SQLITE_CANTOPEN:
    'check the path, and that this user may read the file and enter and write its folder (SQLite creates -wal, -shm or -journal files beside it)',
  SQLITE_NOTADB:
    'the file is not a SQLite database, or it is encrypted (SQLCipher and similar are not supported): point --sqlite at the application database',
};

/** What to say about a program that could not be started (spawn's 'error' event). */
export interface SpawnFailureFacts {
  /** The program's path. */
  readonly binary: string;
  /** The fix, in one sentence. */
  readonly hint: string;
}

/**
 * Turns a child process's start failure (EACCES, ENOENT… from spawn's 'error' event, which
 * crashes the process when nobody listens) into a BridgeError naming the program and the fix.
 */
export function fromSpawnError(
  error: unknown,
  code: ErrorCode,
  context: string,
  facts: SpawnFailureFacts,
): BridgeError {
  if (error instanceof BridgeError) return error;
  const errno = (error as { code?: string }).code;
  return new BridgeError(code, `${context}: ${(error as Error).message ?? String(error)}`, {
    cause: error,
    details: { binary: facts.binary, errno },
    hint: facts.hint,
  });
}

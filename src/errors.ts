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
  const network =
    (code !== undefined && NETWORK_CODES.has(code)) ||
    /Connection terminated|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT/i.test(String(e.message));
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
  return new BridgeError('SOURCE', `${context}: ${e.message ?? String(error)}`, {
    retriable: typeof e.code === 'string' && RETRIABLE_SQLITE.has(e.code),
    cause: error,
    details: { sqliteCode: e.code },
  });
}

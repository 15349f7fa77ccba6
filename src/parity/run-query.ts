/**
 * One prepared query run once on each side at the common point: an error that is the query's
 * own fault becomes that side's answer; an engine failing (connection, I/O, busy) stops the run.
 */
import { BridgeError, fromPgError, fromSqliteError } from '../errors.js';
import type { SqlValue } from '../model/sql-value.js';
import { type PgClient, RAW_TEXT_ROWS } from '../pg/pool.js';
import type { Prepared } from './prepared-query.js';
import type { ParityQuery } from './queries-file.js';
import type { PgResult, SqliteResult } from './result-compare.js';

/** Both sides' answers, or each side's error message. */
export interface BothAnswers {
  readonly sqlite: (SqliteResult & { pastLimit: SqlValue[] | null }) | { error: string };
  readonly pg: PgResult | { error: string };
}

/** Runs `q` on SQLite, then on PostgreSQL through `client` (inside the common point's transaction). */
export async function runOnBothSides(client: PgClient, q: Prepared): Promise<BothAnswers> {
  let sqlite: ReturnType<typeof sqliteRun> | { error: string };
  try {
    sqlite = q.statement === null ? { error: q.sqliteError! } : sqliteRun(q);
  } catch (error) {
    if (!isSqliteQueryError(error))
      throw fromSqliteError(error, `query "${q.query.name}" could not run on SQLite`);
    sqlite = { error: (error as Error).message };
  }
  let pg: PgResult | { error: string };
  try {
    pg = await pgRun(client, q);
  } catch (error) {
    if ((error as { code?: unknown }).code === '25006') throw readOnlyRefusal(q.query);
    if (!isQueryError(error)) throw fromPgError(error, `query "${q.query.name}" could not run on PostgreSQL`);
    pg = { error: (error as Error).message };
  }
  return { sqlite, pg };
}

/** SQLSTATE classes that mean PostgreSQL itself failed, not the query: the comparison stops. */
const SERVER_FAILURE = /^(08|53|57|58|XX)/;

function isQueryError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !SERVER_FAILURE.test(code);
}

/**
 * SQLite result codes that are the query's own fault (syntax, names, types, parameters); any other
 * (busy, I/O, corrupt file) is SQLite failing, not an answer, and stops the comparison.
 */
const SQLITE_QUERY_ERRORS = new Set(['SQLITE_ERROR', 'SQLITE_MISMATCH', 'SQLITE_RANGE', 'SQLITE_TOOBIG']);

function isSqliteQueryError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  // better-sqlite3's own errors (a missing named parameter) carry no code: the query's fault too.
  return typeof code !== 'string' || SQLITE_QUERY_ERRORS.has(code);
}

async function pgRun(client: PgClient, q: Prepared): Promise<PgResult> {
  const result = await client.query({ text: q.pgSql, values: q.pgParams, ...RAW_TEXT_ROWS });
  return {
    columns: result.fields.map((f) => f.name),
    types: result.fields.map((f) => f.dataTypeID),
    rows: result.rows as (string | null)[][],
  };
}

function sqliteRun(q: Prepared): SqliteResult & { pastLimit: SqlValue[] | null } {
  const statement = q.statement!;
  const rows = statement.all(q.sqliteParams) as SqlValue[][];
  const peeked = q.peek === null ? [] : (q.peek.all(q.sqliteParams) as SqlValue[][]);
  return { columns: statement.columns().map((c) => c.name), rows, pastLimit: peeked[rows.length] ?? null };
}

function readOnlyRefusal(query: ParityQuery): BridgeError {
  return new BridgeError(
    'BAD_ARGS',
    `query "${query.name}" writes on PostgreSQL: compare-queries runs only queries that read`,
    {
      details: { query: query.name, line: query.line },
      hint: 'keep only SELECT (or WITH … SELECT) statements in the queries file',
    },
  );
}

/**
 * compare-queries: the application's own queries run on SQLite and on PostgreSQL at the same
 * logical point (same-point.ts), their answers compared through the codec (result-compare.ts),
 * a hint naming the known cause of each difference (query-hints.ts), and both sides timed
 * (query-timing.ts). Every query runs in a read-only transaction on both sides; a statement that
 * writes is refused by name before anything runs.
 */
import type { Config } from '../config/config.js';
import { BridgeError, fromPgError, fromSqliteError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { SqlValue } from '../model/sql-value.js';
import { createPool, type PgClient, type PgPool, ping, RAW_TEXT_ROWS } from '../pg/pool.js';
import { quoteIdent } from '../schema/quote.js';
import { tokenize } from '../schema/sql-tokens.js';
import { openSqlite, type SqliteDatabase } from '../sqlite/open.js';
import type { ParamValue, ParityQuery } from './queries-file.js';
import { type HintStatus, queryHints } from './query-hints.js';
import {
  DEFAULT_SLOWER,
  isSlower,
  type PairLatency,
  type SideLatency,
  type SlowerRule,
  timePair,
} from './query-timing.js';
import { ABSOLUTE_TOLERANCE, pgTypeOfOid, RELATIVE_TOLERANCE } from './result-cells.js';
import { compareResults, type PgResult, type SqliteResult } from './result-compare.js';
import { atSamePoint, type ReadPoint } from './same-point.js';
import {
  peekPastLimitSql,
  positionalParams,
  type StatementShape,
  statementShape,
} from './statement-shape.js';

/** What a query's comparison concluded. */
export type QueryStatus =
  | 'same'
  | 'differs'
  | 'fails-on-postgres'
  | 'fails-on-sqlite'
  | 'nondeterministic'
  | 'unsettled';

/** One query's outcome (the `--json` entry). */
export interface QueryReport {
  readonly name: string;
  readonly status: QueryStatus;
  /** The known cause, and what to write instead; null when none applies. */
  readonly hint: string | null;
  /** Latency per side; null when the query was not timed (it failed, or never settled). */
  readonly sqlite: SideLatency | null;
  readonly postgres: SideLatency | null;
  /** PostgreSQL p50 / SQLite p50; null when not timed. */
  readonly ratio: number | null;
  /** Slower on PostgreSQL past both thresholds of the rule. */
  readonly slower: boolean;
  /** PostgreSQL ran the `-- postgres:` form. */
  readonly rewritten: boolean;
  /** Why it is not `same`, in one sentence (or the failing side's error). */
  readonly reason: string | null;
  readonly columns: { readonly sqlite: readonly string[]; readonly postgres: readonly string[] } | null;
  readonly rowCount: { readonly sqlite: number; readonly postgres: number } | null;
  /** The first differing rows, each side (SQLite's values, PostgreSQL's text). */
  readonly rows: {
    readonly sqlite: readonly (readonly SqlValue[])[];
    readonly postgres: readonly (readonly (string | null)[])[];
  } | null;
  /** Where both sides were read. */
  readonly point: ReadPoint;
}

/** The whole comparison. */
export interface QueriesReport {
  readonly queries: readonly QueryReport[];
  /** `SELECT 1` on both sides, timed the same way: PostgreSQL's round trip, absent in-process. */
  readonly baseline: PairLatency;
  /** When a query counts as slower. */
  readonly slowerRule: SlowerRule;
  /** How numbers with a double on either side are compared. */
  readonly tolerance: { readonly relative: number; readonly absolute: number };
  readonly runs: number;
  /** Every query `same` and none slower. */
  readonly ok: boolean;
}

/** Options of a comparison. */
export interface CompareOptions {
  /** Timed runs per side and query (default 20). */
  readonly runs?: number;
  readonly slower?: SlowerRule;
  /** How long to look for a common point per query before `unsettled` (default 10 s). */
  readonly settleTimeoutMs?: number;
}

/** Runs the comparison of `queries` (see the module comment). */
export async function compareQueries(
  config: Config,
  queries: readonly ParityQuery[],
  log: Logger,
  options: CompareOptions = {},
): Promise<QueriesReport> {
  const db = openSqlite(config.sqlitePath, { readonly: true });
  const pool = createPool(config.pgUrl, { max: 2, applicationName: 'litebridge compare-queries' });
  try {
    await ping(pool);
    return await compareWith(db, pool, config, queries, log, options);
  } finally {
    db.close();
    await pool.end();
  }
}

/** compareQueries on open connections (cutover's preflight has its own). */
export async function compareWith(
  db: SqliteDatabase,
  pool: PgPool,
  config: Pick<Config, 'sourceId' | 'schema'>,
  queries: readonly ParityQuery[],
  log: Logger,
  options: CompareOptions = {},
): Promise<QueriesReport> {
  const runs = Math.max(1, Math.trunc(options.runs ?? 20));
  const rule = options.slower ?? DEFAULT_SLOWER;
  const prepared = queries.map((q) => prepareQuery(db, q));
  const timer = await pool.connect();
  try {
    // Timed runs are autocommit, as the application runs them, and read-only all the same.
    await timer.query(`SET search_path TO ${quoteIdent(config.schema)}, public`);
    await timer.query('SET default_transaction_read_only = on');
    const one = db.prepare('SELECT 1');
    const baseline = await timePair(
      runs,
      () => one.get(),
      async () => void (await timer.query('SELECT 1')),
    );
    const reports: QueryReport[] = [];
    for (const q of prepared) {
      const report = await compareOne(db, pool, timer, config, q, runs, rule, options);
      log.info({ query: q.query.name, status: report.status, ratio: report.ratio }, 'query compared');
      reports.push(report);
    }
    return {
      queries: reports,
      baseline,
      slowerRule: rule,
      tolerance: { relative: RELATIVE_TOLERANCE, absolute: ABSOLUTE_TOLERANCE },
      runs,
      ok: reports.every((r) => r.status === 'same' && !r.slower),
    };
  } finally {
    await timer.query('RESET search_path; RESET default_transaction_read_only').catch(() => undefined);
    timer.release();
  }
}

interface Prepared {
  readonly query: ParityQuery;
  /** The SQLite statement, or the error preparing it. */
  readonly statement: ReturnType<SqliteDatabase['prepare']> | null;
  readonly sqliteError: string | null;
  /** The SQLite query with LIMIT raised by one (see peekPastLimitSql), when ORDER BY allows ties. */
  readonly peek: ReturnType<SqliteDatabase['prepare']> | null;
  readonly shape: StatementShape | null;
  readonly sqliteParams: Record<string, SqlValue>;
  readonly pgSql: string;
  readonly pgParams: (string | null)[];
}

const WRITES =
  /^\s*(?:INSERT|UPDATE|DELETE|REPLACE|UPSERT|MERGE|CREATE|DROP|ALTER|TRUNCATE|VACUUM|REINDEX|ANALYZE|ATTACH|DETACH|PRAGMA|GRANT|REVOKE|COPY|CALL|DO|LOCK|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET|RESET)\b/i;

/** Prepares the SQLite statement and the PostgreSQL text; refuses a statement that writes. */
function prepareQuery(db: SqliteDatabase, query: ParityQuery): Prepared {
  const refuse = (side: string) =>
    new BridgeError(
      'BAD_ARGS',
      `query "${query.name}" is not read-only on ${side}: compare-queries runs only queries that read`,
      {
        details: { query: query.name, line: query.line },
        hint: 'keep only SELECT (or WITH … SELECT) statements in the queries file',
      },
    );
  const pgText = query.postgres ?? query.sqlite;
  if (WRITES.test(pgText)) throw refuse('PostgreSQL');
  if (WRITES.test(query.sqlite)) throw refuse('SQLite');
  let statement: Prepared['statement'] = null;
  let sqliteError: string | null = null;
  try {
    statement = db.prepare(query.sqlite);
    if (!statement.readonly || !statement.reader) throw refuse('SQLite');
    statement.raw(true);
  } catch (error) {
    if (error instanceof BridgeError) throw error;
    sqliteError = (error as Error).message;
  }
  const shape = statementShape(query.sqlite);
  const orderMapped = shape?.orderBy.every((t) => t.column !== null) ?? false;
  const peekSql = shape !== null && orderMapped ? peekPastLimitSql(query.sqlite, shape) : null;
  let peek: Prepared['peek'] = null;
  if (statement !== null && peekSql !== null) {
    try {
      peek = db.prepare(peekSql).raw(true);
    } catch {
      peek = null;
    }
  }
  const sqliteParams: Record<string, SqlValue> = {};
  for (const name of sqliteParamNames(query.sqlite)) sqliteParams[name] = paramValue(query, name);
  const { sql: pgSql, names } = positionalParams(pgText);
  const pgParams = names.map((n) => {
    const v = paramValue(query, n);
    return v === null ? null : String(v);
  });
  return { query, statement, sqliteError, peek, shape, sqliteParams, pgSql, pgParams };
}

function sqliteParamNames(sql: string): string[] {
  try {
    return [
      ...new Set(
        tokenize(sql)
          .filter((t) => t.kind === 'param' && t.text.length > 1)
          .map((t) => t.text.slice(1)),
      ),
    ];
  } catch {
    return [];
  }
}

function paramValue(query: ParityQuery, name: string): ParamValue {
  if (!(name in query.params)) {
    throw new BridgeError('BAD_ARGS', `query "${query.name}" uses :${name} but gives no sample value`, {
      details: { query: query.name, parameter: name },
      hint: `add a line "-- param: ${name} VALUE" to the query`,
    });
  }
  return query.params[name]!;
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

async function compareOne(
  db: SqliteDatabase,
  pool: PgPool,
  timer: PgClient,
  config: Pick<Config, 'sourceId' | 'schema'>,
  q: Prepared,
  runs: number,
  rule: SlowerRule,
  options: CompareOptions,
): Promise<QueryReport> {
  const shape = q.shape;
  const outcome = await atSamePoint(
    db,
    pool,
    {
      sourceId: config.sourceId,
      schema: config.schema,
      ...(options.settleTimeoutMs === undefined ? {} : { timeoutMs: options.settleTimeoutMs }),
    },
    async (client) => {
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
        if (!isQueryError(error))
          throw fromPgError(error, `query "${q.query.name}" could not run on PostgreSQL`);
        pg = { error: (error as Error).message };
      }
      return { sqlite, pg };
    },
  );
  const base = {
    name: q.query.name,
    rewritten: q.query.postgres !== null,
    point: outcome.point,
  };
  const untimed = {
    sqlite: null,
    postgres: null,
    ratio: null,
    slower: false,
    columns: null,
    rowCount: null,
    rows: null,
  };
  if (!outcome.settled) {
    return {
      ...base,
      ...untimed,
      status: 'unsettled',
      hint: 'the application wrote faster than sync applied during the whole wait: run again, or with sync running',
      reason: `PostgreSQL's checkpoint never matched SQLite's changelog head (last: checkpoint ${outcome.point.checkpoint}, head ${outcome.point.head})`,
    };
  }
  const { sqlite, pg } = outcome.value;
  const failure = (status: HintStatus & QueryStatus, message: string): QueryReport => ({
    ...base,
    ...untimed,
    status,
    reason: message,
    hint: queryHints(q.query.sqlite, shape, status, message),
  });
  if ('error' in sqlite) return failure('fails-on-sqlite', sqlite.error);
  if ('error' in pg) return failure('fails-on-postgres', pg.error);
  const types = pg.types.map(pgTypeOfOid);
  const comparison = compareResults(sqlite, pg, shape, types, sqlite.pastLimit);
  const latency = await timePair(
    runs,
    () => void q.statement!.all(q.sqliteParams),
    async () => void (await timer.query({ text: q.pgSql, values: q.pgParams, ...RAW_TEXT_ROWS })),
  );
  const status = comparison.status;
  return {
    ...base,
    status,
    hint: status === 'same' ? null : differenceHint(q.query.sqlite, shape, status, comparison),
    sqlite: latency.sqlite,
    postgres: latency.postgres,
    ratio: latency.ratio,
    slower: isSlower(latency, rule),
    reason: comparison.reason,
    columns: { sqlite: sqlite.columns, postgres: pg.columns },
    rowCount: { sqlite: sqlite.rows.length, postgres: pg.rows.length },
    rows: status === 'same' ? null : { sqlite: comparison.sqliteRows, postgres: comparison.postgresRows },
  };
}

/** The hints for a difference, the column names' first when they differ. */
function differenceHint(
  sql: string,
  shape: StatementShape | null,
  status: HintStatus,
  comparison: { readonly columnsDiffer: boolean; readonly reason: string | null },
): string | null {
  const names = comparison.columnsDiffer
    ? 'name every computed column with AS (SQLite names a column by its text, PostgreSQL by its function or ?column?), and quote mixed-case aliases'
    : null;
  const syntax = queryHints(sql, shape, status, comparison.reason);
  return [names, syntax].filter((h) => h !== null).join('; ') || null;
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

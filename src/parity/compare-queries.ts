/**
 * compare-queries: the application's own queries run on SQLite and on PostgreSQL at the same
 * logical point (same-point.ts), their answers compared through the codec (result-compare.ts),
 * a hint naming the known cause of each difference (query-hints.ts), and both sides timed
 * (query-timing.ts). Every query runs in a read-only transaction on both sides; a statement that
 * writes is refused by name before anything runs.
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { createPool, type PgClient, type PgPool, ping, RAW_TEXT_ROWS } from '../pg/pool.js';
import { quoteIdent } from '../schema/quote.js';
import { openSqlite, type SqliteDatabase } from '../sqlite/open.js';
import { type Prepared, prepareQuery } from './prepared-query.js';
import type { ParityQuery } from './queries-file.js';
import { type HintStatus, queryHints } from './query-hints.js';
import type { QueriesReport, QueryReport, QueryStatus } from './query-report.js';
import { DEFAULT_SLOWER, isSlower, type SlowerRule, timePair } from './query-timing.js';
import { ABSOLUTE_TOLERANCE, pgTypeOfOid, RELATIVE_TOLERANCE } from './result-cells.js';
import { compareResults } from './result-compare.js';
import { runOnBothSides } from './run-query.js';
import { atSamePoint } from './same-point.js';
import type { StatementShape } from './statement-shape.js';

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
    (client) => runOnBothSides(client, q),
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

/**
 * The application's queries as one more cutover preflight check: `cutover --dry-run --queries
 * FILE` runs the comparison on the cutover's own connections and fails the check unless every
 * query answers the same and none is slower on PostgreSQL.
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { PgPool } from '../pg/pool.js';
import type { SqliteDatabase } from '../sqlite/open.js';
import { type CompareOptions, compareWith } from './compare-queries.js';
import type { ParityQuery } from './queries-file.js';
import type { QueriesReport } from './query-report.js';

/** The check's verdict and the full comparison behind it. */
export interface QueriesCheck {
  readonly ok: boolean;
  readonly detail: string;
  readonly fix: string;
  readonly report: QueriesReport;
}

/** Compares `queries` and sums the outcome up in one line. */
export async function queriesCheck(
  ctx: {
    readonly db: SqliteDatabase;
    readonly pool: PgPool;
    readonly config: Pick<Config, 'sourceId' | 'schema'>;
    readonly log: Logger;
  },
  queries: readonly ParityQuery[],
  options: CompareOptions = {},
): Promise<QueriesCheck> {
  const report = await compareWith(ctx.db, ctx.pool, ctx.config, queries, ctx.log, options);
  const bad = report.queries.filter((q) => q.status !== 'same' || q.slower);
  const same = report.queries.length - bad.length;
  return {
    ok: report.ok,
    detail:
      bad.length === 0
        ? `${same} of ${report.queries.length} queries answer the same, none slower`
        : `${same} of ${report.queries.length} queries answer the same; ${bad
            .slice(0, 5)
            .map((q) => `${q.name}: ${q.slower && q.status === 'same' ? 'slower' : q.status}`)
            .join(', ')}${bad.length > 5 ? ', …' : ''}`,
    fix: 'run `litebridge compare-queries` with the same file to see the rows, the hints and the timings; add a "-- postgres:" form where the hint says so',
    report,
  };
}

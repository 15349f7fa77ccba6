import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { runDriftReport } from './drift-report.js';

/** One column of one row whose values differ. */
export interface ValueDiff {
  readonly key: string;
  readonly column: string;
  readonly sqlite: string;
  readonly pg: string;
}

/** How one table compares. Lists hold at most 20 entries; counts are exact. */
export interface TableComparison {
  readonly table: string;
  readonly target: string;
  readonly sqliteRows: number;
  readonly pgRows: number;
  readonly missingCount: number;
  readonly extraCount: number;
  readonly differentCount: number;
  readonly missing: readonly string[];
  readonly extra: readonly string[];
  readonly different: readonly ValueDiff[];
  /** Rows quarantined in litebridge.rejects (missing in PostgreSQL: a difference). */
  readonly quarantined: number;
  /** Tables or columns one side lacks (the table's rows are then not compared). */
  readonly schema: readonly string[];
  readonly equal: boolean;
}

export interface VerifyResult {
  readonly equal: boolean;
  readonly tables: readonly TableComparison[];
  readonly ms: number;
}

/**
 * `verify`: row counts and every value of every replicated table compared, as the drift report
 * does it (chunk summaries in each database, differing chunks narrowed to columns), in
 * verify's shape: one entry per differing column. Strict: changes not yet applied are
 * differences too (drift-report counts them apart). Quarantined rows count as differences, and
 * so does a table or column one side lacks.
 */
export async function runVerify(config: Config, log: Logger, only?: string): Promise<VerifyResult> {
  const report = await runDriftReport(config, log, {
    ...(only === undefined ? {} : { table: only }),
    sampleLimit: 20,
    excludeInFlight: false,
  });
  const tables = report.tables.map((t) => ({
    table: t.table,
    target: t.target,
    sqliteRows: t.sqliteRows,
    pgRows: t.pgRows,
    missingCount: t.missingCount,
    extraCount: t.extraCount,
    differentCount: t.differentCount,
    missing: t.missing,
    extra: t.extra,
    different: t.different.flatMap((d) => d.columns.map((c) => ({ key: d.key, ...c }))),
    quarantined: t.quarantined,
    schema: t.schema,
    equal: !t.drift,
  }));
  return { equal: !report.drift, tables, ms: report.ms };
}

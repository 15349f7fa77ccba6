/**
 * The partition invariants of every partitioned table, checked and kept (see
 * schema/partition-names.ts for the convention): `partitionReport` reads them, `maintainAll` runs
 * one maintenance pass. Used by `litebridge partitions`, by `status` and by sync's keeper.
 */
import type { Config } from '../config/config.js';
import { fromSqliteError } from '../errors.js';
import type { TargetTable } from '../model/target-schema.js';
import {
  countDefaultRows,
  firstGap,
  type MaintenanceRun,
  newestDefaultValue,
  type PartitionLayout,
  readLastMaintenance,
  readPartitionLayout,
} from '../pg/partition-catalog.js';
import {
  ensureMaintenanceRecord,
  type MaintenanceResult,
  maintainPartitions,
  recordMaintenance,
} from '../pg/partition-maintenance.js';
import type { PgPool } from '../pg/pool.js';
import { introspect } from '../schema/introspect.js';
import {
  addIntervals,
  boundLiteral,
  intervalsAhead,
  OUTLIER_INTERVALS,
  partitionColumnType,
  partitionStart,
  wantedHorizon,
} from '../schema/partition-names.js';
import { translate } from '../schema/translate.js';
import { openSqlite } from '../sqlite/open.js';

/** The state of one partitioned table against the invariants. */
export interface PartitionTableReport {
  /** `schema.table` in PostgreSQL. */
  readonly table: string;
  readonly interval: string;
  readonly premake: number;
  readonly retention: number | null;
  readonly partitions: number;
  readonly firstPartition: string | null;
  readonly lastPartition: string | null;
  /** Lower bound of the first partition (ISO), null without partitions. */
  readonly from: string | null;
  /** Upper bound of the newest partition (ISO), null without partitions. */
  readonly horizon: string | null;
  /** How many intervals the horizon is past now (rounded down to 0.01); null without partitions. */
  readonly horizonIntervals: number | null;
  readonly defaultRows: number;
  /** DEFAULT rows inside `[first partition, max(horizon, wanted horizon))`: they belong in a partition. */
  readonly defaultRowsInRange: number;
  readonly lastMaintenance: MaintenanceRun | null;
  /** Each broken invariant in words; empty when all hold. */
  readonly problems: readonly string[];
}

/** The partitioned tables the configuration asks for, as translated from the SQLite file's schema. */
export function partitionedTargets(config: Config): TargetTable[] {
  let db: ReturnType<typeof openSqlite> | null = null;
  try {
    db = openSqlite(config.sqlitePath, { readonly: true });
    return translate(introspect(db), config).tables.filter((t) => t.partitioning !== null);
  } catch (error) {
    throw fromSqliteError(error, 'cannot read the SQLite schema');
  } finally {
    db?.close();
  }
}

/** Reads each partitioned table's state and the invariants it breaks. */
export async function partitionReport(
  pool: PgPool,
  tables: readonly TargetTable[],
  now: Date = new Date(),
): Promise<PartitionTableReport[]> {
  const out: PartitionTableReport[] = [];
  for (const table of tables) out.push(await tableReport(pool, table, now));
  return out;
}

async function tableReport(pool: PgPool, table: TargetTable, now: Date): Promise<PartitionTableReport> {
  const spec = table.partitioning!;
  const layout = await readPartitionLayout(pool, table.schema, table.name);
  const base = {
    table: `${table.schema}.${table.name}`,
    interval: spec.interval,
    premake: spec.premake,
    retention: spec.retention,
  };
  if (layout === null) return notPartitionedReport(base);
  const first = layout.ranges[0] ?? null;
  const last = layout.ranges.at(-1) ?? null;
  const horizon = last?.to ?? null;
  const problems: string[] = [];
  const ahead = horizon === null ? null : Math.floor(intervalsAhead(now, horizon, spec.interval) * 100) / 100;
  if (ahead === null) problems.push('no partitions');
  else if (ahead < spec.premake) {
    problems.push(`the horizon is ${ahead} ${spec.interval}s ahead, less than premake ${spec.premake}`);
  }
  const gap = firstGap(layout.ranges);
  if (gap !== null) problems.push(`partitions are not contiguous at ${gap.toISOString()}`);
  const defaults = await defaultRows(pool, table, layout, now, problems);
  return {
    ...base,
    partitions: layout.ranges.length,
    firstPartition: first?.name ?? null,
    lastPartition: last?.name ?? null,
    from: first?.from?.toISOString() ?? null,
    horizon: horizon?.toISOString() ?? null,
    horizonIntervals: ahead,
    defaultRows: defaults.total,
    defaultRowsInRange: defaults.inRange,
    lastMaintenance: await readLastMaintenance(pool, table.schema, table.name),
    problems,
  };
}

/** The report of a table PostgreSQL does not hold as partitioned. */
function notPartitionedReport(
  base: Pick<PartitionTableReport, 'table' | 'interval' | 'premake' | 'retention'>,
): PartitionTableReport {
  return {
    ...base,
    partitions: 0,
    firstPartition: null,
    lastPartition: null,
    from: null,
    horizon: null,
    horizonIntervals: null,
    defaultRows: 0,
    defaultRowsInRange: 0,
    lastMaintenance: null,
    problems: ['not a partitioned table in PostgreSQL'],
  };
}

/**
 * The rows of the DEFAULT partition, and how many of them fall inside the partitioned range (up
 * to the wanted horizon): each of those is a problem, added to `problems`.
 */
async function defaultRows(
  pool: PgPool,
  table: TargetTable,
  layout: PartitionLayout,
  now: Date,
  problems: string[],
): Promise<{ total: number; inRange: number }> {
  if (layout.defaultName === null) return { total: 0, inRange: 0 };
  const spec = table.partitioning!;
  const horizon = layout.ranges.at(-1)?.to ?? null;
  const wanted = wantedHorizon(now, spec.interval, spec.premake);
  const type = partitionColumnType(table);
  const upper = horizon === null || horizon < wanted ? wanted : horizon;
  const lower = layout.ranges[0]?.from ?? partitionStart(now, spec.interval);
  const defaults = await countDefaultRows(pool, table.schema, layout.defaultName, spec.column, {
    from: boundLiteral(lower, type),
    to: boundLiteral(upper, type),
  });
  if (defaults.inRange > 0) {
    problems.push(`${defaults.inRange} row(s) inside the partitioned range sit in ${layout.defaultName}`);
  }
  return defaults;
}

/**
 * Where partitions must reach: the wanted horizon, or past the newest DEFAULT row that is not an
 * outlier (at most `OUTLIER_INTERVALS` past the wanted horizon).
 */
async function coverUpTo(pool: PgPool, table: TargetTable, wanted: Date): Promise<Date> {
  const spec = table.partitioning!;
  const layout = await readPartitionLayout(pool, table.schema, table.name);
  if (layout?.defaultName == null) return wanted;
  const limit = addIntervals(wanted, spec.interval, OUTLIER_INTERVALS);
  const newest = await newestDefaultValue(
    pool,
    table.schema,
    layout.defaultName,
    spec.column,
    boundLiteral(limit, partitionColumnType(table)),
  );
  if (newest === null || newest < wanted) return wanted;
  return addIntervals(partitionStart(newest, spec.interval), spec.interval, 1);
}

/** Options of one maintenance pass over every partitioned table. */
export interface MaintainOptions {
  /** Detach partitions older than each table's `retention` (only `partitions --maintain` does). */
  readonly retention: boolean;
  readonly now?: Date;
  /** Pause before retrying a lock timeout (ms). */
  readonly retryPauseMs?: number;
}

/**
 * One maintenance pass per table: partitions up to the wanted horizon (or further, to cover
 * rows of DEFAULT that are not outliers), DEFAULT's rows moved into them, retention. Each
 * table's outcome is recorded; the first failure is thrown after every table was tried.
 */
export async function maintainAll(
  pool: PgPool,
  tables: readonly TargetTable[],
  options: MaintainOptions,
): Promise<Map<string, MaintenanceResult>> {
  await ensureMaintenanceRecord(pool);
  const now = options.now ?? new Date();
  const results = new Map<string, MaintenanceResult>();
  let failure: unknown = null;
  for (const table of tables) {
    const spec = table.partitioning!;
    try {
      const result = await maintainPartitions(pool, table, {
        upTo: await coverUpTo(pool, table, wantedHorizon(now, spec.interval, spec.premake)),
        detachBefore:
          options.retention && spec.retention !== null
            ? addIntervals(partitionStart(now, spec.interval), spec.interval, -spec.retention)
            : null,
        ...(options.retryPauseMs === undefined ? {} : { retryPauseMs: options.retryPauseMs }),
      });
      results.set(`${table.schema}.${table.name}`, result);
      await recordMaintenance(pool, table, result, null);
    } catch (error) {
      failure ??= error;
      await recordMaintenance(pool, table, null, (error as Error).message).catch(() => undefined);
    }
  }
  if (failure !== null) throw failure;
  return results;
}

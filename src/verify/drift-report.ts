/**
 * `litebridge drift-report`: every replicated table (or one) checked by chunk summaries at one
 * logical point, differences narrowed to keys and columns; chunks that in-flight changes left
 * unsettled are checked again. A table whose columns differ between the two sides is reported as
 * that schema difference (its rows are not compared). With `repair`, the differences are rewritten from SQLite in one
 * transaction, then everything is checked again. Works whether or not sync is running.
 */
import type { Config } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { countRejects } from '../pg/metadata.js';
import { createPool, type PgPool, ping } from '../pg/pool.js';
import { introspect } from '../schema/introspect.js';
import { pairTables, type ReplicatedTable } from '../schema/replicated.js';
import { translate } from '../schema/translate.js';
import { openSqlite, type SqliteDatabase } from '../sqlite/open.js';
import { ChecksumWorkers } from './checksum-workers.js';
import {
  type CheckResult,
  checkOnce,
  DEFAULT_SAMPLE_LIMIT,
  summarizeDiffs,
  type TableDrift,
} from './drift.js';
import { type RepairResult, repairDrift } from './repair.js';
import { schemaDifferences } from './schema-check.js';

/** One table in the report: the check's result and rows quarantined in litebridge.rejects. */
export type ReportedTable = Omit<TableDrift, 'diffs' | 'plan' | 'unsettled'> & {
  readonly quarantined: number;
  /** Differences that stayed unsettled after every re-check (in flight under pruning). */
  readonly unsettledChunks: number;
  /**
   * How PostgreSQL's table differs from SQLite's (a table or column missing on one side), one
   * line each; empty when they agree. A table that differs is drift, its rows not compared.
   */
  readonly schema: readonly string[];
};

export interface DriftReport {
  readonly drift: boolean;
  /** PostgreSQL checkpoint and SQLite changelog head of the (first) check. */
  readonly checkpoint: string | null;
  readonly head: string | null;
  /** 'live': in-flight keys excluded (sync state and capture present); 'static' otherwise. */
  readonly consistency: 'live' | 'static';
  readonly tables: readonly ReportedTable[];
  /** Rows compared per side per second of the first check (both sides work at once). */
  readonly rowsPerSecond: number;
  readonly repaired: RepairResult | null;
  readonly ms: number;
}

export interface DriftReportOptions {
  /** Only this SQLite table. */
  readonly table?: string;
  readonly repair?: boolean;
  /** Differences listed per table (counts are always exact). */
  readonly sampleLimit?: number;
  readonly chunkRows?: number;
  /** false: keys with changes in flight count as differences (see CheckOptions). */
  readonly excludeInFlight?: boolean;
}

const RECHECK_ROUNDS = 3;
const RECHECK_WAIT_MS = 300;

/** Replicated tables by SQLite name, as sync sees them now. */
export function replicatedTables(db: SqliteDatabase, config: Config): Map<string, ReplicatedTable> {
  const source = introspect(db);
  return pairTables(source, translate(source, config));
}

/** Runs the drift report (see the module comment). */
export async function runDriftReport(
  config: Config,
  log: Logger,
  options: DriftReportOptions = {},
): Promise<DriftReport> {
  const started = Date.now();
  const db = openSqlite(config.sqlitePath);
  const workers = ChecksumWorkers.start(config.sqlitePath);
  const connections = Math.max(1, config.workers ?? 2);
  const pool = createPool(config.pgUrl, { max: connections + 1, applicationName: 'litebridge drift-report' });
  try {
    await ping(pool);
    const tables = replicatedTables(db, config);
    if (options.table !== undefined && !tables.has(options.table)) {
      throw new BridgeError('BAD_ARGS', `table "${options.table}" is not a replicated SQLite table`, {
        details: { table: options.table, tables: [...tables.keys()] },
        hint: `choose one of: ${[...tables.keys()].join(', ')}`,
      });
    }
    const chosen = [...tables.values()].filter(
      (t) => options.table === undefined || t.source.name === options.table,
    );
    const schema = new Map<string, string[]>();
    for (const t of chosen) {
      const differences = await schemaDifferences(pool, t);
      if (differences.length === 0) continue;
      schema.set(t.source.name, differences);
      log.warn({ table: t.source.name, differences }, 'table differs in schema: its rows are not compared');
    }
    const comparable = chosen.filter((t) => !schema.has(t.source.name));
    const check = (): Promise<{ first: CheckResult; tables: TableDrift[] }> =>
      settledCheck(db, pool, comparable, config, log, { ...options, workers });
    let { first, tables: results } = await check();
    let repaired: RepairResult | null = null;
    if (options.repair === true && results.some((t) => t.drift)) {
      repaired = await repairDrift(db, pool, tables, results, {
        sourceId: config.sourceId,
        onBadRow: config.onBadRow,
      });
      log.info({ ...repaired }, 'drift repaired; checking again');
      ({ first, tables: results } = await check());
    }
    const quarantined = await countRejects(pool, config.sourceId);
    const checked = new Map(
      results.map(({ diffs: _d, plan: _p, unsettled, ...rest }) => [
        rest.table,
        {
          ...rest,
          quarantined: quarantined.get(rest.table) ?? 0,
          unsettledChunks: unsettled.length,
          drift: rest.drift || (quarantined.get(rest.table) ?? 0) > 0,
          schema: [],
        },
      ]),
    );
    const reported: ReportedTable[] = chosen.map(
      (t) =>
        checked.get(t.source.name) ??
        schemaOnly(t, schema.get(t.source.name) ?? [], quarantined.get(t.source.name) ?? 0),
    );
    const rows = (side: 'sqliteRows' | 'pgRows') => results.reduce((n, t) => n + t[side], 0);
    const rate = (n: number, ms: number) => (ms > 0 ? Math.round((n * 1000) / ms) : 0);
    return {
      drift: reported.some((t) => t.drift),
      checkpoint: first.checkpoint?.toString() ?? null,
      head: first.head?.toString() ?? null,
      consistency: first.checkpoint !== null && first.head !== null ? 'live' : 'static',
      tables: reported,
      rowsPerSecond: rate(Math.max(rows('sqliteRows'), rows('pgRows')), first.ms),
      repaired,
      ms: Date.now() - started,
    };
  } finally {
    await workers?.close();
    db.close();
    await pool.end();
  }
}

/** A table whose schema differs: the differences are its findings, its rows not compared. */
function schemaOnly(table: ReplicatedTable, schema: readonly string[], quarantined: number): ReportedTable {
  return {
    table: table.source.name,
    target: table.target.name,
    chunksChecked: 0,
    chunksDiffering: 0,
    sqliteRows: 0,
    pgRows: 0,
    missingCount: 0,
    extraCount: 0,
    differentCount: 0,
    inFlightCount: 0,
    missing: [],
    extra: [],
    different: [],
    drift: true,
    quarantined,
    unsettledChunks: 0,
    schema,
  };
}

/**
 * One full check, then up to three re-checks of the chunks in-flight changes left unsettled
 * (their results replace the unsettled chunks' share).
 */
async function settledCheck(
  db: SqliteDatabase,
  pool: PgPool,
  tables: readonly ReplicatedTable[],
  config: Config,
  log: Logger,
  options: DriftReportOptions & { readonly workers: ChecksumWorkers | null },
): Promise<{ first: CheckResult; tables: TableDrift[] }> {
  const checkOptions = {
    sourceId: config.sourceId,
    connections: Math.max(1, config.workers ?? 2),
    ...(options.sampleLimit === undefined ? {} : { sampleLimit: options.sampleLimit }),
    ...(options.chunkRows === undefined ? {} : { chunkRows: options.chunkRows }),
    ...(options.excludeInFlight === undefined ? {} : { excludeInFlight: options.excludeInFlight }),
    workers: options.workers,
  };
  const first = await checkOnce(
    db,
    pool,
    tables.map((table) => ({ table })),
    checkOptions,
  );
  const results = [...first.tables];
  for (let round = 1; round <= RECHECK_ROUNDS; round++) {
    const pending = results.map((r, i) => ({ r, i })).filter(({ r }) => r.unsettled.length > 0);
    if (pending.length === 0) break;
    log.info(
      { round, tables: pending.map(({ r }) => r.table) },
      'changes in flight hid some chunks; checking them again',
    );
    await new Promise((resolve) => setTimeout(resolve, RECHECK_WAIT_MS));
    const again = await checkOnce(
      db,
      pool,
      pending.map(({ r, i }) => ({ table: tables[i]!, plan: r.plan, chunks: r.unsettled })),
      checkOptions,
    );
    pending.forEach(({ r, i }, k) => {
      results[i] = mergeRecheck(r, again.tables[k]!, options.sampleLimit ?? DEFAULT_SAMPLE_LIMIT);
    });
  }
  for (const r of results) {
    log[r.drift ? 'warn' : 'info'](
      {
        table: r.table,
        chunks: r.chunksChecked,
        differing: r.chunksDiffering,
        missing: r.missingCount,
        extra: r.extraCount,
        different: r.differentCount,
        inFlight: r.inFlightCount,
      },
      r.drift ? 'table drifted' : 'table in sync',
    );
  }
  return { first, tables: results };
}

/** A table's result with a re-check of its unsettled chunks folded in. */
function mergeRecheck(before: TableDrift, again: TableDrift, limit: number): TableDrift {
  return {
    ...before,
    inFlightCount: before.inFlightCount + again.inFlightCount,
    unsettled: again.unsettled,
    ...summarizeDiffs([...before.diffs, ...again.diffs], limit),
  };
}

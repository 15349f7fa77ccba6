/**
 * The cutover's drift check, before the fence: the one place the cutover compares the sides in
 * full, through the drift engine. It runs while the application
 * writes and sync applies, so it is read as: "every difference is on a key changed after
 * `since`", the changelog seq held by the caller (checkpoint at the start of the check, with
 * pruning held back). Those keys are compared again inside the fence by `finalCheck`.
 */
import type { Logger } from '../log/logger.js';
import { countRejects } from '../pg/metadata.js';
import { checkOnce } from '../verify/drift.js';
import type { CutoverContext } from './context.js';

/** One table's drift. */
export interface TableDrift {
  readonly table: string;
  readonly sqliteRows: number;
  readonly pgRows: number;
  /** Rows missing, extra or different on keys NOT changed since `since`: real drift. */
  readonly drifted: number;
  /** Differences on keys changed since `since` (in flight; checked again in the fence). */
  readonly inFlight: number;
  /** Rows quarantined in litebridge.rejects (missing in PostgreSQL: drift). */
  readonly quarantined: number;
  /** Up to 10 drifted keys. */
  readonly sample: readonly string[];
}

/** What the drift check found. */
export interface DriftCheck {
  /** No real drift: the sides differ at most on keys changed after `since`. */
  readonly equal: boolean;
  /** The baseline: keys changed after this changelog seq are left to the final check. */
  readonly since: bigint;
  readonly tables: readonly TableDrift[];
  readonly ms: number;
}

/**
 * The drift engine's check (chunk summaries in both databases at one logical point, differing
 * chunks narrowed to keys; see verify/drift.ts) over every replicated table. Its in-flight keys
 * have changelog events after PostgreSQL's checkpoint in its snapshot, which is at or after
 * `since` (sync prunes nothing after `since` meanwhile), so "differs only on keys changed after
 * `since`" holds for them; every other difference is drift. Quarantined rows count as drift: a
 * cutover would lose them.
 */
export async function checkDrift(
  ctx: CutoverContext,
  since: bigint,
  log: Logger = ctx.log,
): Promise<DriftCheck> {
  const started = Date.now();
  const quarantined = await countRejects(ctx.pool, ctx.config.sourceId);
  const result = await checkOnce(
    ctx.db,
    ctx.pool,
    [...ctx.tables.values()].map((table) => ({ table })),
    { sourceId: ctx.config.sourceId, connections: 2, sampleLimit: 10 },
  );
  const tables: TableDrift[] = result.tables.map((t) => {
    const rejects = quarantined.get(t.table) ?? 0;
    return {
      table: t.table,
      sqliteRows: t.sqliteRows,
      pgRows: t.pgRows,
      drifted: t.diffs.length + rejects,
      inFlight: t.inFlightCount,
      quarantined: rejects,
      sample: t.diffs.slice(0, 10).map((d) => d.key),
    };
  });
  for (const t of tables) {
    if (t.drifted > 0) log.warn({ table: t.table, drifted: t.drifted, sample: t.sample }, 'drift found');
  }
  return { equal: tables.every((t) => t.drifted === 0), since, tables, ms: Date.now() - started };
}

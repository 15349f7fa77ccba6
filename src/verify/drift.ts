/**
 * The drift check: both sides of every replicated table compared by chunk summaries computed
 * inside each database, mismatched chunks narrowed to exact keys, at one logical point even while
 * the application writes and sync applies.
 *
 * How both sides are read at the same logical point: PostgreSQL is read in one REPEATABLE READ
 * snapshot (exported to the parallel connections) together with the checkpoint C it holds; the
 * SQLite read transaction starts after it, at changelog head H >= C. A key with no changelog
 * event in (C, H] has had the same SQLite value since before the batch that last wrote it was
 * read, so any difference in it is drift. A key with such an event is in flight: it is not
 * reported (the next batch rewrites it). When events above C were pruned before SQLite's read
 * began, in-flight keys cannot be told apart: those chunks are checked again.
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { readCheckpoint } from '../pg/checkpoint.js';
import { metadataTableExists } from '../pg/metadata.js';
import type { PgClient, PgPool } from '../pg/pool.js';
import { keyColumns } from '../schema/key-columns.js';
import type { ReplicatedTable } from '../schema/replicated.js';
import { keysAfter } from '../sqlite/changelog.js';
import type { SqliteDatabase } from '../sqlite/open.js';
import { ReadSnapshot } from '../sqlite/snapshot-read.js';
import { PgTableChecksum } from './checksum-pg.js';
import { type ChunkSummary, SqliteTableChecksum } from './checksum-sqlite.js';
import type { ChecksumWorkers } from './checksum-workers.js';
import { CHUNK_ROWS, type ChunkPlan, chunkCount, planChunks } from './chunks.js';
import { ChunkNarrower, type ColumnDiff, type KeyDiff } from './narrow.js';

/** Which part of a table to check (the observer checks slices; drift-report whole tables). */
export interface TableSlice {
  readonly table: ReplicatedTable;
  /** Reuse a plan (the observer keeps one per rotation); planned from SQLite when omitted. */
  readonly plan?: ChunkPlan;
  /** Chunks to check; all when omitted. Range plans: a contiguous run is one PostgreSQL scan. */
  readonly chunks?: readonly number[];
}

/** How one table compares. Lists hold at most `sampleLimit` entries; counts are exact. */
export interface TableDrift {
  readonly table: string;
  readonly target: string;
  readonly plan: ChunkPlan;
  readonly chunksChecked: number;
  readonly chunksDiffering: number;
  /** Rows in the chunks checked, each side. */
  readonly sqliteRows: number;
  readonly pgRows: number;
  readonly missingCount: number;
  readonly extraCount: number;
  readonly differentCount: number;
  /** Differing keys with changes in flight (not drift: the next batch rewrites them). */
  readonly inFlightCount: number;
  readonly missing: readonly string[];
  readonly extra: readonly string[];
  readonly different: readonly { readonly key: string; readonly columns: readonly ColumnDiff[] }[];
  /** Every difference found (for `--repair`), in-flight keys excluded. */
  readonly diffs: readonly KeyDiff[];
  /** Chunks whose differences could not be told from in-flight changes (checked again). */
  readonly unsettled: readonly number[];
  readonly drift: boolean;
}

/** The logical point a check ran at. */
export interface CheckPoint {
  /** PostgreSQL's checkpoint in its snapshot, or null when it has none (no sync state). */
  readonly checkpoint: bigint | null;
  /** SQLite's changelog head in its snapshot, or null without capture. */
  readonly head: bigint | null;
}

/** One check over some tables: results, the point, time spent per side. */
export interface CheckResult extends CheckPoint {
  readonly tables: readonly TableDrift[];
  /** Wall time of the check. */
  readonly ms: number;
}

export interface CheckOptions {
  readonly sourceId: string;
  /** PostgreSQL connections computing summaries in parallel (one snapshot). */
  readonly connections?: number;
  readonly chunkRows?: number;
  readonly sampleLimit?: number;
  /**
   * false: compare as of this instant, counting keys with changes in flight as differences too
   * (verify's strict equality). Default true: in-flight keys are not drift.
   */
  readonly excludeInFlight?: boolean;
  /** Worker threads sharing SQLite's summaries (drift-report); the caller's thread alone when absent. */
  readonly workers?: ChecksumWorkers | null;
}

/**
 * Checks `slices` once at one logical point: a PostgreSQL snapshot (and its checkpoint), then a
 * SQLite read transaction on `db` (a connection nobody else uses meanwhile).
 */
export async function checkOnce(
  db: SqliteDatabase,
  pool: PgPool,
  slices: readonly TableSlice[],
  options: CheckOptions,
): Promise<CheckResult> {
  const connections = Math.max(1, options.connections ?? 2);
  const started = Date.now();
  const clients: PgClient[] = [];
  const snapshot = new ReadSnapshot(db);
  try {
    for (let i = 0; i < connections; i++) clients.push(await pool.connect());
    const leader = clients[0]!;
    await leader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const exported = (await leader.query('SELECT pg_export_snapshot() AS s')).rows[0].s as string;
    // In the leader's snapshot; null without litebridge metadata (or while a snapshot copies).
    const checkpoint = (await metadataTableExists(leader, 'sources'))
      ? await readCheckpoint(leader, options.sourceId)
      : null;
    for (const c of clients.slice(1)) {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await c.query(`SET TRANSACTION SNAPSHOT '${exported.replace(/'/g, "''")}'`);
    }
    snapshot.begin();
    const head = snapshot.changelogHead();
    const inFlight = new InFlight(db, options.excludeInFlight === false ? null : checkpoint, head);
    const tables: TableDrift[] = [];
    for (const slice of slices) tables.push(await checkTable(db, clients, slice, inFlight, options));
    return { checkpoint, head, tables, ms: Date.now() - started };
  } finally {
    snapshot.end();
    for (const c of clients) {
      await c.query('ROLLBACK').catch(() => undefined);
      c.release();
    }
  }
}

const checksums = new WeakMap<SqliteDatabase, Map<string, SqliteTableChecksum>>();

/**
 * The checksum of a table on a connection, made once per table shape: each one registers
 * functions on the connection, and a long-running observer must not register them again and again.
 */
export function sqliteChecksumFor(db: SqliteDatabase, table: ReplicatedTable): SqliteTableChecksum {
  let byShape = checksums.get(db);
  if (byShape === undefined) checksums.set(db, (byShape = new Map()));
  const shape = JSON.stringify([
    table.source.name,
    table.target.key,
    table.target.columns.map((c) => [c.source, c.type, c.timeInput]),
  ]);
  let checksum = byShape.get(shape);
  if (checksum === undefined) {
    checksum = new SqliteTableChecksum(db, table.source, table.target);
    byShape.set(shape, checksum);
  }
  return checksum;
}

/** Keys with changelog events between PostgreSQL's checkpoint and SQLite's head. */
class InFlight {
  #keys: ReadonlyMap<string, readonly (readonly unknown[])[]> | null = null;
  #pruned = false;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly checkpoint: bigint | null,
    private readonly head: bigint | null,
  ) {}

  /** Whether changes may be in flight at all (sync state and capture both present, H > C). */
  get possible(): boolean {
    return this.checkpoint !== null && this.head !== null && this.head > this.checkpoint;
  }

  /** Canonical keys of `table` in flight; `pruned` when some events above C are gone. */
  of(
    table: string,
    keyText: (key: readonly unknown[]) => string,
    width: number,
  ): { keys: Set<string>; pruned: boolean } {
    if (!this.possible) return { keys: new Set(), pruned: false };
    if (this.#keys === null) {
      const found = keysAfter(this.db, this.checkpoint!);
      this.#keys = found.keys;
      this.#pruned = found.oldest !== null && found.oldest > this.checkpoint! + 1n;
    }
    const keys = new Set((this.#keys.get(table) ?? []).map((k) => keyText(k.slice(0, width))));
    return { keys, pruned: this.#pruned };
  }
}

async function checkTable(
  db: SqliteDatabase,
  clients: readonly PgClient[],
  slice: TableSlice,
  inFlight: InFlight,
  options: CheckOptions,
): Promise<TableDrift> {
  const { source, target } = slice.table;
  const sq = sqliteChecksumFor(db, slice.table);
  const pg = new PgTableChecksum(target);
  const plan = slice.plan ?? planChunks(target, sq.stats(), options.chunkRows ?? CHUNK_ROWS);
  const chunks = slice.chunks ?? Array.from({ length: chunkCount(plan) }, (_, i) => i);

  // PostgreSQL works on its share while SQLite computes (in this thread and any workers).
  const pgSums = pgSummaries(clients, pg, plan, chunks);
  const sqSums =
    options.workers === undefined || options.workers === null
      ? sq.summaries(plan, chunks)
      : await options.workers.summaries(sq, slice.table, plan, chunks);
  const pgMap = await pgSums;

  const empty: ChunkSummary = { rows: 0, sum: '0' };
  const differing = chunks.filter((c) => {
    const a = sqSums.get(c) ?? empty;
    const b = pgMap.get(c) ?? empty;
    return a.rows !== b.rows || a.sum !== b.sum;
  });
  const sum = (m: Map<number, ChunkSummary>) => chunks.reduce((n, c) => n + (m.get(c)?.rows ?? 0), 0);

  const narrower = new ChunkNarrower(target);
  const keys = keyColumns(target);
  const diffs: KeyDiff[] = [];
  const unsettled: number[] = [];
  let inFlightCount = 0;
  for (const c of differing) {
    const sRows = sq.rows(plan, c);
    const pRows = await pg.rows(clients[0]!, plan, c);
    const found = narrower.diff(sRows, pRows);
    if (found.length === 0) continue;
    const flight = inFlight.of(source.name, (k) => sq.keyText(k as never), keys.length);
    let unsure = false;
    for (const d of found) {
      if (flight.keys.has(d.canonical)) inFlightCount++;
      else if (flight.pruned) unsure = true;
      else diffs.push(d);
    }
    if (unsure) unsettled.push(c);
  }

  return {
    table: source.name,
    target: target.name,
    plan,
    chunksChecked: chunks.length,
    chunksDiffering: differing.length,
    sqliteRows: sum(sqSums),
    pgRows: sum(pgMap),
    inFlightCount,
    unsettled,
    ...summarizeDiffs(diffs, options.sampleLimit ?? DEFAULT_SAMPLE_LIMIT),
  };
}

/** Differences listed per table when the caller does not say. */
export const DEFAULT_SAMPLE_LIMIT = 100;

/** A table's differences as counts (exact) and lists (at most `limit` each). */
export function summarizeDiffs(
  diffs: readonly KeyDiff[],
  limit: number,
): Pick<
  TableDrift,
  'diffs' | 'missingCount' | 'extraCount' | 'differentCount' | 'missing' | 'extra' | 'different' | 'drift'
> {
  const missing = diffs.filter((d) => d.kind === 'missing');
  const extra = diffs.filter((d) => d.kind === 'extra');
  const different = diffs.filter((d) => d.kind === 'different');
  return {
    diffs,
    missingCount: missing.length,
    extraCount: extra.length,
    differentCount: different.length,
    missing: missing.slice(0, limit).map((d) => d.key),
    extra: extra.slice(0, limit).map((d) => d.key),
    different: different.slice(0, limit).map((d) => ({ key: d.key, columns: d.columns })),
    drift: diffs.length > 0,
  };
}

/**
 * PostgreSQL's summaries of `chunks`: range chunks split into one contiguous run per connection
 * (each one index range scan), bucket plans in one grouped scan.
 */
async function pgSummaries(
  clients: readonly PgClient[],
  pg: PgTableChecksum,
  plan: ChunkPlan,
  chunks: readonly number[],
): Promise<Map<number, ChunkSummary>> {
  if (plan.kind === 'bucket') return pg.summaries(clients[0]!, plan);
  const runs = contiguousRuns(chunks, clients.length);
  const parts = await Promise.all(
    runs.map((r, i) => pg.summaries(clients[i % clients.length]!, plan, r[0]!, r[1]!)),
  );
  const out = new Map<number, ChunkSummary>();
  for (const part of parts) for (const [c, s] of part) out.set(c, s);
  return out;
}

/** Splits sorted chunk numbers into at most `n` runs of about equal length, each [first, last]. */
function contiguousRuns(chunks: readonly number[], n: number): [number, number][] {
  if (chunks.length === 0) return [];
  const sorted = [...chunks].sort((a, b) => a - b);
  const per = Math.ceil(sorted.length / n);
  const runs: [number, number][] = [];
  for (let i = 0; i < sorted.length; i += per) {
    runs.push([sorted[i]!, sorted[Math.min(i + per, sorted.length) - 1]!]);
  }
  return runs;
}

export type { ColumnDiff, Config, KeyDiff, Logger };

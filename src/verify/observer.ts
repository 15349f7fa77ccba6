/**
 * The drift observer inside `sync`: on an interval it checks the next slice of chunks (a bounded
 * number per tick, so its cost stays flat whatever the database size), rotating through every
 * replicated table; on demand it runs a whole rotation at once. A table whose columns differ
 * between the sides (a migration sync has not followed) is reported as that difference, not
 * compared row by row. Findings go to the log, to
 * `litebridge.drift` (read by `status`) and to the metrics. It uses its own SQLite connection
 * (read-only) and PostgreSQL pool, so it never holds up the apply loop.
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { BridgeMetrics } from '../log/metrics.js';
import { recordDrift } from '../pg/drift-state.js';
import { createPool, type PgPool } from '../pg/pool.js';
import type { ReplicatedTable } from '../schema/replicated.js';
import { openSqlite, type SqliteDatabase } from '../sqlite/open.js';
import { type ChunkPlan, chunkCount, planChunks } from './chunks.js';
import { checkOnce, sqliteChecksumFor, type TableDrift } from './drift.js';
import { replicatedTables } from './drift-report.js';
import { schemaDifferences } from './schema-check.js';

export interface ObserverOptions {
  /** Time between two ticks (ms). */
  readonly intervalMs: number;
  /** Chunks checked per tick at most (a bucketed table is checked whole in one tick). */
  readonly chunksPerTick: number;
  readonly metrics?: BridgeMetrics;
}

/**
 * Bytes of rows one tick hashes at most (the observer runs between sync's batches): the default
 * 20 chunks of the collector's rows are about 50 MB.
 */
const TICK_BYTES = 64 * 1024 * 1024;

/** Findings of one table over its current rotation. */
interface Rotation {
  readonly table: ReplicatedTable;
  readonly plan: ChunkPlan;
  /** Chunks checked per tick (`chunksPerTick`, fewer for large rows). */
  readonly perTick: number;
  next: number;
  checked: number;
  missing: number;
  extra: number;
  different: number;
  inFlight: number;
  sample: string[];
}

/** See the module comment. */
export class DriftObserver {
  readonly #config: Config;
  readonly #log: Logger;
  readonly #options: ObserverOptions;
  readonly #db: SqliteDatabase;
  readonly #pool: PgPool;
  /** Tables left in this rotation, as introspected when it began (once per rotation). */
  #queue: ReplicatedTable[] = [];
  #current: Rotation | null = null;
  #retry: { rotation: Rotation; chunks: readonly number[] }[] = [];
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #fullPass = false;

  constructor(config: Config, log: Logger, options: ObserverOptions) {
    this.#config = config;
    this.#log = log.child({ component: 'drift-observer' });
    this.#options = options;
    this.#db = openSqlite(config.sqlitePath, { readonly: true });
    this.#pool = createPool(config.pgUrl, { max: 2, applicationName: 'litebridge drift observer' });
    this.#pool.on('error', (error) =>
      this.#log.warn({ err: error.message }, 'idle PostgreSQL connection failed'),
    );
  }

  /** Starts ticking every `intervalMs`. */
  start(): void {
    this.#schedule(this.#options.intervalMs);
  }

  /** Checks every table whole as soon as the tick in progress ends (e.g. on SIGUSR2). */
  checkNow(): void {
    this.#log.info('full drift check requested');
    this.#fullPass = true;
    this.#queue = [];
    this.#current = null;
    this.#schedule(0);
  }

  /** Stops ticking, waits for the tick in flight, closes connections. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
    this.#db.close();
    await this.#pool.end();
  }

  /** Runs one tick now (tests and `checkNow` use it); returns the tables checked. */
  async tick(): Promise<TableDrift[]> {
    const slices = await this.#nextSlices();
    if (slices.length === 0) return [];
    const result = await checkOnce(
      this.#db,
      this.#pool,
      slices.map((s) => ({ table: s.rotation.table, plan: s.rotation.plan, chunks: s.chunks })),
      { sourceId: this.#config.sourceId, connections: 1, sampleLimit: 20 },
    );
    for (const [i, drift] of result.tables.entries()) {
      await this.#fold(slices[i]!.rotation, drift, slices[i]!.retry);
    }
    this.#options.metrics?.driftLastCheck.set(Date.now() / 1000);
    return [...result.tables];
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#running !== null) {
        this.#schedule(this.#options.intervalMs);
        return;
      }
      this.#running = this.#loop().finally(() => {
        this.#running = null;
        this.#schedule(this.#options.intervalMs);
      });
    }, ms);
    this.#timer.unref();
  }

  /** One tick, or with a full pass requested, ticks until every table is done. */
  async #loop(): Promise<void> {
    try {
      do {
        await this.tick();
      } while (this.#fullPass && !this.#stopped && (this.#current !== null || this.#queue.length > 0));
      if (this.#fullPass) this.#log.info('full drift check finished');
      this.#fullPass = false;
    } catch (error) {
      // A check that fails (PostgreSQL restarting, a schema change) is tried again next tick.
      this.#log.warn({ err: (error as Error).message }, 'drift check failed; trying again next tick');
      this.#current = null;
    }
  }

  /** The slices for this tick: chunks to re-check first, then the next chunks of the rotation. */
  async #nextSlices(): Promise<{ rotation: Rotation; chunks: readonly number[]; retry: boolean }[]> {
    const out: { rotation: Rotation; chunks: readonly number[]; retry: boolean }[] = [];
    const retry = this.#retry.shift();
    if (retry !== undefined) out.push({ rotation: retry.rotation, chunks: retry.chunks, retry: true });
    const rotation = await this.#rotation();
    if (rotation === null) return out;
    const total = chunkCount(rotation.plan);
    const per = this.#fullPass || rotation.plan.kind === 'bucket' ? total : rotation.perTick;
    const chunks: number[] = [];
    for (let c = rotation.next; c < total && chunks.length < per; c++) chunks.push(c);
    rotation.next += chunks.length;
    out.push({ rotation, chunks, retry: false });
    return out;
  }

  /**
   * The rotation in progress, or the next table's (all tables re-read when the queue is empty).
   * A table whose columns differ between the sides is reported as that difference and skipped:
   * its rows cannot be compared until PostgreSQL has SQLite's columns.
   */
  async #rotation(): Promise<Rotation | null> {
    if (this.#current !== null && this.#current.next < chunkCount(this.#current.plan)) return this.#current;
    if (this.#queue.length === 0) {
      this.#queue = [...replicatedTables(this.#db, this.#config).values()];
    }
    let table = this.#queue.shift();
    for (; table !== undefined; table = this.#queue.shift()) {
      const differences = await schemaDifferences(this.#pool, table);
      if (differences.length === 0) break;
      await this.#schemaDiffers(table, differences);
    }
    if (table === undefined) return null;
    const stats = sqliteChecksumFor(this.#db, table).stats();
    const plan = planChunks(table.target, stats);
    // A tick hashes about TICK_BYTES at most: fewer chunks of large rows (blobs, long texts).
    const chunkBytes = stats.sizes.total / chunkCount(plan);
    this.#current = {
      table,
      plan,
      perTick: Math.max(
        1,
        Math.min(this.#options.chunksPerTick, Math.floor(TICK_BYTES / Math.max(1, chunkBytes))),
      ),
      next: 0,
      checked: 0,
      missing: 0,
      extra: 0,
      different: 0,
      inFlight: 0,
      sample: [],
    };
    return this.#current;
  }

  /** Reports a table whose schema differs: logged, in `litebridge.drift` (status) and metrics. */
  async #schemaDiffers(table: ReplicatedTable, differences: readonly string[]): Promise<void> {
    this.#log.warn(
      { table: table.source.name, differences },
      'schema differs between SQLite and PostgreSQL: run `litebridge drift-report`',
    );
    this.#options.metrics?.driftRows.set({ table: table.source.name, kind: 'different' }, differences.length);
    await recordDrift(this.#pool, this.#config.sourceId, {
      table: table.source.name,
      checkedAt: new Date(),
      chunksChecked: 0,
      chunksTotal: 0,
      missing: 0,
      extra: 0,
      different: differences.length,
      inFlight: 0,
      sample: differences.map((d) => `schema: ${d}`),
    }).catch((error: Error) => this.#log.warn({ err: error.message }, 'drift findings not recorded'));
  }

  async #fold(rotation: Rotation, drift: TableDrift, retry: boolean): Promise<void> {
    if (!retry) rotation.checked += drift.chunksChecked;
    rotation.missing += drift.missingCount;
    rotation.extra += drift.extraCount;
    rotation.different += drift.differentCount;
    rotation.inFlight += drift.inFlightCount;
    rotation.sample.push(...drift.missing, ...drift.extra, ...drift.different.map((d) => d.key));
    rotation.sample = rotation.sample.slice(0, 20);
    if (drift.unsettled.length > 0) {
      this.#retry.push({ rotation, chunks: drift.unsettled });
    }
    if (drift.drift) {
      this.#log.warn(
        {
          table: drift.table,
          missing: drift.missing,
          extra: drift.extra,
          different: drift.different.map((d) => `${d.key}: ${d.columns.map((c) => c.column).join(', ')}`),
        },
        'drift found: run `litebridge drift-report` for details, `--repair` to fix',
      );
    }
    const metrics = this.#options.metrics;
    metrics?.driftChecks.inc({ table: drift.table }, drift.chunksChecked);
    const total = chunkCount(rotation.plan);
    const done = rotation.checked >= total;
    if (metrics !== undefined && done) {
      metrics.driftRows.set({ table: drift.table, kind: 'missing' }, rotation.missing);
      metrics.driftRows.set({ table: drift.table, kind: 'extra' }, rotation.extra);
      metrics.driftRows.set({ table: drift.table, kind: 'different' }, rotation.different);
    }
    await recordDrift(this.#pool, this.#config.sourceId, {
      table: drift.table,
      checkedAt: new Date(),
      chunksChecked: rotation.checked,
      chunksTotal: total,
      missing: rotation.missing,
      extra: rotation.extra,
      different: rotation.different,
      inFlight: rotation.inFlight,
      sample: rotation.sample,
    }).catch((error: Error) => this.#log.warn({ err: error.message }, 'drift findings not recorded'));
    if (done) {
      this.#log.info(
        {
          table: drift.table,
          chunks: total,
          missing: rotation.missing,
          extra: rotation.extra,
          different: rotation.different,
          inFlight: rotation.inFlight,
        },
        'drift check of table finished',
      );
    }
  }
}

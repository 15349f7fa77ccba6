/**
 * Keeps the partition invariants while sync runs, before and after cutover: before a batch holds
 * a row past the newest partition (or now moved past the horizon), the partitions it needs are
 * created first, each in its own short transaction (partition-maintenance.ts); a timer runs a
 * maintenance pass (create ahead, move DEFAULT's in-range rows, never retention) while the source
 * is idle and after cutover, when the application writes PostgreSQL. Passes never overlap.
 */
import type { Subscription } from 'rxjs';
import { timer } from 'rxjs';
import { encoderFor } from '../codec/index.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { ChangeBatch } from '../model/change.js';
import type { TargetTable } from '../model/target-schema.js';
import { parseBound, readPartitionLayout } from '../pg/partition-catalog.js';
import { maintainPartitions } from '../pg/partition-maintenance.js';
import { createPool, type PgPool } from '../pg/pool.js';
import {
  addIntervals,
  nextPartitionStart,
  OUTLIER_INTERVALS,
  partitionStart,
  wantedHorizon,
} from '../schema/partition-names.js';
import { maintainAll, partitionedTargets } from './partitions.js';

/** How often the keeper's pass runs when nothing asks for one (ms). */
export const KEEPER_EVERY_MS = 60_000;

/** Options of the keeper. */
export interface KeeperOptions {
  /** Pass interval (ms), default `KEEPER_EVERY_MS`. */
  readonly everyMs?: number;
}

/** A started keeper for the configuration's partitioned tables, or null when there are none. */
export function startPartitionKeeper(config: Config, log: Logger, everyMs?: number): PartitionKeeper | null {
  const keeper = PartitionKeeper.forConfig(config, log);
  keeper?.start(everyMs === undefined ? {} : { everyMs });
  return keeper;
}

/** Sync's partition keeper; `beforeBatch` and the timer's pass share one queue. */
export class PartitionKeeper {
  /** Upper bound of the newest partition per `schema.table`, as last read or made. */
  readonly #horizons = new Map<string, Date>();
  #queue: Promise<unknown> = Promise.resolve();
  #timer: Subscription | null = null;

  private constructor(
    private readonly pool: PgPool,
    private readonly tables: readonly TargetTable[],
    private readonly log: Logger,
  ) {}

  /** A keeper for the configuration's partitioned tables; null when there are none. */
  static forConfig(config: Config, log: Logger): PartitionKeeper | null {
    if (Object.keys(config.partitions).length === 0) return null;
    const tables = partitionedTargets(config);
    if (tables.length === 0) return null;
    const pool = createPool(config.pgUrl, { max: 1, applicationName: 'litebridge partitions' });
    return new PartitionKeeper(pool, tables, log);
  }

  /** Starts the periodic pass (first one right away). */
  start(options: KeeperOptions = {}): void {
    this.#timer ??= timer(0, options.everyMs ?? KEEPER_EVERY_MS).subscribe(() => {
      void this.#enqueue(() => this.#pass()).catch((error: unknown) =>
        this.log.warn(
          { err: (error as Error).message },
          'partition maintenance failed; retried at the next pass',
        ),
      );
    });
  }

  /** Stops the timer, waits for a pass in flight, closes the keeper's connection. */
  async stop(): Promise<void> {
    this.#timer?.unsubscribe();
    this.#timer = null;
    await this.#queue.catch(() => undefined);
    await this.pool.end();
  }

  /**
   * Creates, before `batch` is applied, the partitions its rows need: up to the newest row's
   * partition (unless that row is an outlier, far past the horizon) and up to the wanted horizon.
   */
  async beforeBatch(batch: ChangeBatch, targets: ReadonlyMap<string, TargetTable>): Promise<void> {
    const now = new Date();
    for (const table of this.tables) {
      const target = targets.get(table.source) ?? table;
      const spec = target.partitioning;
      if (spec === null) continue;
      const wanted = wantedHorizon(now, spec.interval, spec.premake);
      const newest = newestValue(batch, target, addIntervals(wanted, spec.interval, OUTLIER_INTERVALS));
      const needed =
        newest !== null && newest >= wanted
          ? nextPartitionStart(partitionStart(newest, spec.interval), spec.interval)
          : wanted;
      const key = `${target.schema}.${target.name}`;
      const known = this.#horizons.get(key);
      if (known !== undefined && known >= needed) continue;
      await this.#enqueue(async () => {
        const layout = await readPartitionLayout(this.pool, target.schema, target.name);
        const horizon = layout?.ranges.at(-1)?.to ?? null;
        if (layout === null || (horizon !== null && horizon >= needed)) {
          if (horizon !== null) this.#horizons.set(key, horizon);
          return;
        }
        const made = await maintainPartitions(this.pool, target, { upTo: needed, detachBefore: null });
        if (made.created.length > 0) {
          this.log.info(
            { table: key, created: made.created, moved: made.moved },
            'partitions created ahead of a batch',
          );
        }
        this.#horizons.set(key, needed);
      });
    }
  }

  #enqueue<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(step, step);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #pass(): Promise<void> {
    const present: TargetTable[] = [];
    for (const table of this.tables) {
      // Before the snapshot created it, a table has nothing to keep.
      if ((await readPartitionLayout(this.pool, table.schema, table.name)) !== null) present.push(table);
    }
    if (present.length === 0) return;
    const results = await maintainAll(this.pool, present, { retention: false });
    for (const [table, result] of results) {
      this.#horizons.delete(table);
      if (result.created.length > 0 || result.moved > 0) {
        this.log.info({ table, created: result.created, moved: result.moved }, 'partitions maintained');
      }
    }
  }
}

/** The newest partition-column value below `limit` (outliers aside) among the batch's rows of `table`, or null. */
function newestValue(batch: ChangeBatch, table: TargetTable, limit: Date): Date | null {
  const column = table.columns.findIndex((c) => c.name === table.partitioning!.column);
  if (column < 0) return null;
  const encode = encoderFor(table.columns[column]!);
  let newest: Date | null = null;
  for (const change of batch.changes) {
    if (change.table !== table.source || change.row === null) continue;
    let text: string | null;
    try {
      text = encode(change.row[column]!);
    } catch {
      continue; // the apply step reports values the codec refuses
    }
    if (text === null) continue;
    const at = parseBound(`'${text}'`);
    if (at !== null && at < limit && (newest === null || at > newest)) newest = at;
  }
  return newest;
}

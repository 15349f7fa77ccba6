import type { Logger } from '../log/logger.js';
import type { ChangeBatch } from '../model/change.js';
import type { BatchStats, SyncOptions } from './sync-options.js';

/** How often forward sync logs its progress (ms). */
const PROGRESS_EVERY_MS = 10_000;

/**
 * Forward sync's position and counters: the checkpoint PostgreSQL has committed, batches and
 * events applied. Each applied batch is told to `onBatch`, the metrics and the debug log; every
 * `PROGRESS_EVERY_MS` an info line gives events per second and the lag.
 */
export class SyncProgress {
  /** The checkpoint PostgreSQL has committed. */
  checkpoint: bigint;
  batches = 0;
  events = 0;
  #lastProgress = Date.now();
  #eventsSinceProgress = 0;

  constructor(
    start: bigint,
    private readonly log: Logger,
    private readonly options: Pick<SyncOptions, 'onBatch' | 'metrics'>,
  ) {
    this.checkpoint = start;
  }

  /** `batch` was committed in `applyMs`: the checkpoint moves to its end. */
  applied(batch: ChangeBatch, applyMs: number): void {
    this.checkpoint = batch.upTo;
    this.batches += 1;
    this.events += batch.events;
    this.#eventsSinceProgress += batch.events;
    const stats: BatchStats = {
      upTo: batch.upTo,
      events: batch.events,
      keys: batch.changes.length,
      lagMs: Date.now() - batch.lastAt,
      applyMs,
    };
    this.options.onBatch?.(stats);
    const metrics = this.options.metrics;
    if (metrics !== undefined) {
      metrics.checkpoint.set(Number(batch.upTo));
      metrics.lagMs.set(stats.lagMs);
      metrics.events.inc(batch.events);
      metrics.batches.inc();
    }
    this.log.debug({ ...stats, upTo: stats.upTo.toString() }, 'batch applied');
    this.#logProgress(stats);
  }

  /** The info line, at most every `PROGRESS_EVERY_MS`. */
  #logProgress(stats: BatchStats): void {
    const now = Date.now();
    if (now - this.#lastProgress < PROGRESS_EVERY_MS) return;
    const seconds = (now - this.#lastProgress) / 1000;
    this.log.info(
      {
        checkpoint: stats.upTo.toString(),
        eventsPerSecond: Math.round(this.#eventsSinceProgress / seconds),
        lagMs: stats.lagMs,
      },
      'sync progress',
    );
    this.#lastProgress = now;
    this.#eventsSinceProgress = 0;
  }
}

import type { Observable } from 'rxjs';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { BridgeMetrics } from '../log/metrics.js';
import type { PgPool } from '../pg/pool.js';
import type { SqliteDatabase } from '../sqlite/open.js';
import type { PartitionKeeper } from './partition-keeper.js';

/** How `runSync` is asked to run. */
export interface SyncOptions {
  /** Emits once to stop: the batch in flight is finished and committed, then sync returns. */
  readonly shutdown$?: Observable<unknown>;
  /** Fallback poll interval when no file event arrives (ms). */
  readonly pollMs?: number;
  /** Changelog events per batch at most (default 2,000: on random keys larger batches apply no faster and hold more memory). */
  readonly maxEvents?: number;
  /** Called after each applied batch (for the demo's status line and tests). */
  readonly onBatch?: (batch: BatchStats) => void;
  /** The drift observer: a slice of chunks checked every interval (off when omitted). */
  readonly drift?: { readonly intervalMs: number; readonly chunksPerTick: number };
  /** Each emission asks the drift observer for a full check now (e.g. SIGUSR2). */
  readonly checkNow$?: Observable<unknown>;
  /** Prometheus metrics to keep up to date. */
  readonly metrics?: BridgeMetrics;
  /** Partition keeper's pass interval (ms, default 60 s): see partition-keeper.ts. */
  readonly partitionEveryMs?: number;
  /** Set by sync itself: the keeper that creates partitions before batches need them. */
  readonly partitionKeeper?: PartitionKeeper | null;
}

/** What one applied batch did. */
export interface BatchStats {
  /** The changelog seq the batch ends at (the checkpoint it committed). */
  readonly upTo: bigint;
  /** Changelog events it covered. */
  readonly events: number;
  /** Distinct rows (table, key) it wrote or deleted. */
  readonly keys: number;
  /** Capture of the batch's last event → PostgreSQL commit (ms). */
  readonly lagMs: number;
  /** Its PostgreSQL transaction, connection to commit (ms). */
  readonly applyMs: number;
}

/** What a sync run did, from its start until it stopped. */
export interface SyncResult {
  /** PostgreSQL's checkpoint when sync stopped (a changelog seq, as text). */
  readonly checkpoint: string;
  readonly batches: number;
  readonly events: number;
  /** Whether the run started with a snapshot. */
  readonly snapshotted: boolean;
}

/** What every step of forward sync works with: both databases, the configuration and the log. */
export interface ForwardSides {
  readonly db: SqliteDatabase;
  readonly pool: PgPool;
  readonly config: Config;
  readonly log: Logger;
}

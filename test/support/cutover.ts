import { Subject } from 'rxjs';
import { loadConfig } from '../../src/config/load.js';
import { type CutoverOptions, type CutoverResult, runCutover } from '../../src/cutover/run-cutover.js';
import { silentLogger } from '../../src/log/logger.js';
import { readCheckpoint } from '../../src/pg/checkpoint.js';
import { readSource } from '../../src/pg/metadata.js';
import { createPool } from '../../src/pg/pool.js';
import { runSync, type SyncResult } from '../../src/pipeline/run-sync.js';
import { until } from './until.js';

/** A sync running in this process (forward, then reverse after a cutover), with a stop. */
export interface RunningSync {
  readonly done: Promise<SyncResult>;
  /**
   * Resolves once the snapshot is done with its checkpoint recorded. The rows can already be
   * equal a moment before that, and cutover refuses a source without a checkpoint.
   */
  snapshotted(): Promise<void>;
  stop(): Promise<SyncResult>;
}

/** Starts `sync` in this process with a 50 ms poll and logs off. */
export function startSync(sqlite: string, pg: string, schema?: string): RunningSync {
  const shutdown$ = new Subject<void>();
  const config = loadConfig({ sqlite, pg, ...(schema === undefined ? {} : { schema }) }, {});
  const done = runSync(config, silentLogger, { shutdown$, pollMs: 50 });
  done.catch(() => undefined); // a test that awaits `done` or `stop()` sees the error
  return {
    done,
    snapshotted: () => untilSnapshotted(pg, config.sourceId),
    stop: async () => {
      shutdown$.next();
      return done;
    },
  };
}

/** Waits until sync's snapshot of `sourceId` is done with its checkpoint recorded (see RunningSync). */
export async function untilSnapshotted(pg: string, sourceId: string): Promise<void> {
  const pool = createPool(pg, { max: 1 });
  try {
    await until(async () => {
      const source = await readSource(pool, sourceId).catch(() => null);
      return source?.snapshotState === 'done' && (await readCheckpoint(pool, sourceId)) !== null;
    }, 60_000);
  } finally {
    await pool.end();
  }
}

/** Runs `cutover` in this process, as the CLI would, with logs off. */
export function cutover(
  sqlite: string,
  pg: string,
  options: CutoverOptions = {},
  schema?: string,
): Promise<CutoverResult> {
  const config = loadConfig({ sqlite, pg, ...(schema === undefined ? {} : { schema }) }, {});
  return runCutover(config, silentLogger, options);
}

/**
 * Drops the replication slots of the test's database that nobody streams (call after stopping
 * sync): the run's server has few slots, and a database with a slot cannot be dropped.
 */
export async function dropIdleSlots(query: (sql: string) => Promise<unknown>): Promise<void> {
  await query(
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database() AND NOT active',
  );
}

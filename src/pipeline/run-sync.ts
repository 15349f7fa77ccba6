import { ReplaySubject } from 'rxjs';
import type { Config } from '../config/config.js';
import { fromPgError, isPgFailure } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { ensureMetadata } from '../pg/metadata.js';
import { readPhase } from '../pg/phase-store.js';
import { createPool, type PgPool, ping } from '../pg/pool.js';
import { type ForwardResult, runForward } from './forward.js';
import { startPartitionKeeper } from './partition-keeper.js';
import { directionOf, finishedError, followReverse } from './phase.js';
import type { SyncOptions, SyncResult } from './sync-options.js';

export type { BatchStats, SyncOptions, SyncResult } from './sync-options.js';

/**
 * `litebridge sync`: installs capture (before any snapshot, so no change can fall between),
 * snapshots when PostgreSQL has no finished snapshot for this source, then tails the changelog
 * (`SyncLoop`): every wake-up pulls it batch by batch, one batch in flight, each applied in one
 * PostgreSQL transaction with its checkpoint. A retriable failure retries that batch with
 * exponential backoff; anything else stops sync with the error. PostgreSQL going away is always
 * a `TARGET` error (retried while running; reported when sync is stopping), never a bug. The
 * cutover phase says which way sync runs; it is followed until sync is stopped.
 */
export async function runSync(config: Config, log: Logger, options: SyncOptions = {}): Promise<SyncResult> {
  try {
    return await syncUntilStopped(config, log, options);
  } catch (error) {
    // Statements outside the batch path (phase, checkpoint, metadata reads) throw pg's errors as they are.
    throw isPgFailure(error) ? fromPgError(error, 'PostgreSQL failed') : error;
  }
}

async function syncUntilStopped(config: Config, log: Logger, options: SyncOptions): Promise<SyncResult> {
  // Listen from the start: a stop asked for during capture install or the snapshot is kept and
  // honoured before streaming begins.
  const stop$ = new ReplaySubject<void>(1);
  const listening = options.shutdown$?.subscribe(() => stop$.next());
  const pool = createPool(config.pgUrl, { max: 1, applicationName: 'litebridge sync' });
  // Partitions are kept ahead while sync runs, forward and reverse (partition-keeper.ts).
  const keeper = startPartitionKeeper(config, log, options.partitionEveryMs);
  const withKeeper: SyncOptions = { ...options, partitionKeeper: keeper };
  let result: SyncResult = { checkpoint: '', batches: 0, events: 0, snapshotted: false };
  try {
    for (;;) {
      const direction = await currentDirection(pool, config.sourceId);
      if (direction === 'none') {
        if (result.checkpoint === '') throw finishedError(config.sourceId);
        return result;
      }
      if (direction === 'reverse') {
        const next = await followReverse(config, log, pool, stop$);
        if (next === 'stopped' || next === 'finished') return result;
        continue;
      }
      const forward = await runForward(config, log, withKeeper, stop$);
      result = addForward(result, forward);
      if (!forward.switched) return result;
    }
  } finally {
    listening?.unsubscribe();
    await keeper?.stop();
    await pool.end();
  }
}

/** Which way sync runs now, by the cutover phase recorded in PostgreSQL. */
async function currentDirection(pool: PgPool, sourceId: string): Promise<'forward' | 'reverse' | 'none'> {
  await ping(pool);
  await ensureMetadata(pool);
  return directionOf(await readPhase(pool, sourceId));
}

/** The run so far, followed by one more forward run. */
function addForward(result: SyncResult, forward: ForwardResult): SyncResult {
  return {
    checkpoint: forward.checkpoint,
    batches: result.batches + forward.batches,
    events: result.events + forward.events,
    snapshotted: result.snapshotted || forward.snapshotted,
  };
}

/**
 * Rollback's and finish's last reverse drain: once the running sync has let go of the slot,
 * reverse replication is run here until SQLite holds every PostgreSQL transaction committed
 * before "now" (the WAL insert position read on `walFrom`).
 */
import { isLsnAfter } from '../model/position.js';
import type { Queryable } from '../pg/metadata.js';
import { currentWalLsn, dropReplication } from '../pg/replication.js';
import { lastPublishedCommit } from '../pg/slot-peek.js';
import { waitForIdleSlot } from '../pg/slot-wait.js';
import { runReverse } from '../reverse/run-reverse.js';
import { readReverseLsn } from '../sqlite/reverse-apply.js';
import type { CutoverContext } from './context.js';

/** How long to wait for the running sync to let go of the slot, unless told (ms). */
export const DEFAULT_SLOT_WAIT_MS = 30_000;

/** What the drain did. */
export interface ReverseDrain {
  /** "Now": SQLite holds every PostgreSQL transaction committed before this WAL position. */
  readonly lsn: string;
  /** PostgreSQL transactions this drain applied to SQLite. */
  readonly transactions: number;
}

/**
 * Waits for the slot to be idle, reads the WAL insert position on `walFrom` (the rollback's lock
 * session, or the pool), and applies reverse replication up to the last published commit before
 * it, when SQLite does not have it yet.
 */
export async function drainReverseToNow(
  ctx: CutoverContext,
  walFrom: Queryable,
  slotWaitMs = DEFAULT_SLOT_WAIT_MS,
): Promise<ReverseDrain> {
  const { config, pool, db, log } = ctx;
  await waitForIdleSlot(pool, config.sourceId, slotWaitMs);
  const lsn = await currentWalLsn(walFrom);
  const last = await lastPublishedCommit(pool, config.sourceId, lsn);
  if (last === null || !isLsnAfter(last, readReverseLsn(db))) return { lsn, transactions: 0 };
  const reverse = await runReverse(config, log.child({ component: 'reverse' }), { untilLsn: last });
  return { lsn, transactions: reverse.transactions };
}

/**
 * Drops the slot and the publication once the drain's walsender has exited (a moment after its
 * client: until then the slot is still "in use").
 */
export async function dropReplicationAfterDrain(
  ctx: CutoverContext,
  slotWaitMs = DEFAULT_SLOT_WAIT_MS,
): Promise<void> {
  await waitForIdleSlot(ctx.pool, ctx.config.sourceId, slotWaitMs);
  await dropReplication(ctx.pool, ctx.config.sourceId);
}

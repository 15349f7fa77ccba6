/**
 * `litebridge rollback`: brings the application back to SQLite after a cutover, losing nothing.
 * The running sync is told to stop streaming (phase 'rolled-back'; it turns forward, with nothing
 * to carry while the fence is up); the target tables are locked (the application's PostgreSQL
 * writes wait) and the WAL insert position X is taken; reverse replication is drained here up to
 * X; the fence comes down; the locks are released; the slot and publication are dropped. Forward
 * sync resumes from the switch's checkpoint (the changelog head at the fence: reverse writes are
 * never captured, so nothing was added since). A failure before the fence comes down moves the
 * phase back to 'cutover', so sync streams again and nothing changed for the application.
 * Also undoes an interrupted cutover (phase still forward, fence or slot left behind).
 */
import type { Config } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import {
  type CutoverRecord,
  movePhase,
  type Phase,
  readCutoverRecord,
  setVerifiedSeq,
} from '../pg/phase-store.js';
import type { PgClient } from '../pg/pool.js';
import { dropReplication, type SlotStatus, slotStatus } from '../pg/replication.js';
import { abandonLockSession, commitLockSession, lockTargetTables } from '../pg/table-locks.js';
import { changelogHead } from '../sqlite/changelog.js';
import { fenceState, removeFence } from '../sqlite/fence.js';
import { type CutoverContext, closeContext, openContext } from './context.js';
import { drainReverseToNow, dropReplicationAfterDrain, type ReverseDrain } from './reverse-drain.js';

/** How a rollback runs (the `rollback` command's flags). */
export interface RollbackOptions {
  /** How long to try for the table locks (ms, default 30,000). */
  readonly lockWaitMs?: number;
  /** How long to wait for the running sync to let go of the slot (ms, default 30,000). */
  readonly slotWaitMs?: number;
}

/** What a rollback did (printed with --json). */
export interface RollbackResult {
  /** 'rolled-back'; 'undone' (an interrupted cutover cleaned up); 'nothing' to do. */
  readonly status: 'rolled-back' | 'undone' | 'nothing';
  /** Every PostgreSQL transaction committed up to this WAL position is in SQLite. */
  readonly lsn: string | null;
  /** PostgreSQL transactions the rollback's own drain applied to SQLite. */
  readonly transactions: number;
  /** The forward checkpoint sync resumes from. */
  readonly checkpoint: string | null;
  /** Changelog events captured while PostgreSQL was the primary (0 unless something wrote past the fence). */
  readonly capturedMeanwhile: number;
  readonly ms: number;
}

type Outcome = Omit<RollbackResult, 'ms'>;

const NOTHING: Outcome = {
  status: 'nothing',
  lsn: null,
  transactions: 0,
  checkpoint: null,
  capturedMeanwhile: 0,
};

/** Runs the rollback (see the module comment). */
export async function runRollback(
  config: Config,
  log: Logger,
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  const started = Date.now();
  const ctx = await openContext(config, log, 'litebridge rollback');
  try {
    const record = await readCutoverRecord(ctx.pool, config.sourceId);
    const slot = await slotStatus(ctx.pool, config.sourceId);
    const outcome =
      record === null || record.phase === 'forward'
        ? await undoInterruptedCutover(ctx, slot)
        : await rollBackCutover(ctx, record, slot, options);
    return { ...outcome, ms: Date.now() - started };
  } finally {
    await closeContext(ctx);
  }
}

/** No cutover switched: removes what an interrupted one left (fence, slot, held-back pruning). */
async function undoInterruptedCutover(ctx: CutoverContext, slot: SlotStatus | null): Promise<Outcome> {
  const { config, db, pool, log } = ctx;
  if (!fenceState(db).installed && slot === null) return NOTHING;
  removeFence(db);
  await dropReplication(pool, config.sourceId);
  await setVerifiedSeq(pool, config.sourceId, null);
  log.info('an interrupted cutover was undone: the fence is down, the slot dropped');
  return { ...NOTHING, status: 'undone' };
}

/** A switched cutover: refuses what cannot be rolled back without loss, else rolls back. */
async function rollBackCutover(
  ctx: CutoverContext,
  record: CutoverRecord,
  slot: SlotStatus | null,
  options: RollbackOptions,
): Promise<Outcome> {
  const { sourceId } = ctx.config;
  if (record.phase === 'finished') {
    throw new BridgeError(
      'BAD_STATE',
      `source "${sourceId}" finished its cutover: there is nothing to roll back to`,
      {
        hint: 'capture and reverse replication were removed by `litebridge finish`; copy PostgreSQL back with a new tool run if needed',
      },
    );
  }
  if (record.phase === 'rolled-back' && !fenceState(ctx.db).installed && slot === null) {
    return { ...NOTHING, checkpoint: record.checkpointSeq?.toString() ?? null };
  }
  if (slot === null || slot.walStatus === 'lost') {
    throw new BridgeError(
      'BAD_STATE',
      `replication slot for "${sourceId}" is ${slot === null ? 'missing' : 'lost'}: PostgreSQL's latest changes cannot reach SQLite`,
      {
        hint: 'compare with `litebridge drift-report`; a rollback now would lose what PostgreSQL has that SQLite lacks',
      },
    );
  }
  return rollBack(ctx, record.phase, options);
}

/**
 * The rollback's steps: stop sync's reverse stream (phase 'rolled-back'), then under the table
 * locks drain reverse replication to now and bring the fence down, release the locks, drop the
 * slot. A failure before the fence is down moves the phase back: nothing changed for the
 * application, PostgreSQL stays the primary and sync streams again. `from` is the phase the
 * rollback found: 'cutover', or 'rolled-back' when an earlier rollback stopped midway.
 */
async function rollBack(ctx: CutoverContext, from: Phase, options: RollbackOptions): Promise<Outcome> {
  const { config, pool, log } = ctx;
  // The running sync stops streaming when it sees the phase (and turns forward; the fence is
  // still up, so there is nothing to carry yet).
  if (from === 'cutover') await movePhase(pool, config.sourceId, ['cutover'], 'rolled-back');
  const lowered = await lowerFenceUnderLocks(ctx, options).catch(async (error: unknown) => {
    // Nothing changed for the application: PostgreSQL stays the primary, sync streams again.
    if (from === 'cutover') {
      await movePhase(pool, config.sourceId, ['rolled-back'], 'cutover').catch(() => undefined);
    }
    throw error;
  });
  await releaseLocks(ctx, lowered.client);
  await dropReplicationAfterDrain(ctx, options.slotWaitMs);
  const { lsn, transactions } = lowered.drain;
  log.info({ lsn, transactions }, 'rolled back to SQLite');
  return {
    status: 'rolled-back',
    lsn,
    transactions,
    checkpoint: lowered.checkpoint.toString(),
    capturedMeanwhile: lowered.capturedMeanwhile,
  };
}

/** The lock session after the fence came down, and what the rollback found under the locks. */
interface FenceLowered {
  readonly client: PgClient;
  /** The forward checkpoint read under the locks. */
  readonly checkpoint: bigint;
  readonly drain: ReverseDrain;
  readonly capturedMeanwhile: number;
}

/**
 * Locks the target tables (the application's PostgreSQL writes wait), drains reverse replication
 * to now, and removes the fence. Any failure ends the lock session with nothing changed.
 */
async function lowerFenceUnderLocks(ctx: CutoverContext, options: RollbackOptions): Promise<FenceLowered> {
  const { config, pool, db } = ctx;
  const locked = await lockTargetTables(pool, [...ctx.targets.values()], config.sourceId, options.lockWaitMs);
  try {
    const drain = await drainReverseToNow(ctx, locked.client, options.slotWaitMs);
    const capturedMeanwhile = capturedSince(ctx, locked.checkpoint);
    removeFence(db);
    return { ...locked, drain, capturedMeanwhile };
  } catch (error) {
    await abandonLockSession(locked.client);
    throw error;
  }
}

/**
 * Changelog events captured since the switch's checkpoint: none unless something wrote past the
 * fence (forward sync applies them once it resumes).
 */
function capturedSince(ctx: CutoverContext, checkpoint: bigint): number {
  const head = changelogHead(ctx.db);
  const captured = Number(head - checkpoint);
  if (captured !== 0) {
    ctx.log.warn(
      { head: head.toString(), checkpoint: checkpoint.toString() },
      'changes were captured while PostgreSQL was the primary: forward sync applies them',
    );
  }
  return captured;
}

/** Releases the pruning hold and the table locks: the application writes SQLite again. */
async function releaseLocks(ctx: CutoverContext, client: PgClient): Promise<void> {
  try {
    await setVerifiedSeq(client, ctx.config.sourceId, null);
  } catch (error) {
    await abandonLockSession(client);
    throw error;
  }
  await commitLockSession(client);
}

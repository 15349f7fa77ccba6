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
import { movePhase, readCutoverRecord, setVerifiedSeq } from '../pg/phase-store.js';
import type { PgClient } from '../pg/pool.js';
import { dropReplication, slotStatus } from '../pg/replication.js';
import { runReverse } from '../reverse/run-reverse.js';
import { changelogHead } from '../sqlite/changelog.js';
import { fenceState, removeFence } from '../sqlite/fence.js';
import { parseLsn, readReverseLsn } from '../sqlite/reverse-apply.js';
import { type CutoverContext, closeContext, openContext } from './context.js';
import { lastPublishedCommit } from './slot-peek.js';
import { waitForIdleSlot } from './slot-wait.js';
import { endLockSession, lockTargetTables } from './table-locks.js';

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
    const fence = fenceState(ctx.db);
    const nothing = { lsn: null, transactions: 0, checkpoint: null, capturedMeanwhile: 0 };
    if (record === null || record.phase === 'forward') {
      if (!fence.installed && slot === null)
        return { status: 'nothing', ...nothing, ms: Date.now() - started };
      removeFence(ctx.db);
      await dropReplication(ctx.pool, config.sourceId);
      await setVerifiedSeq(ctx.pool, config.sourceId, null);
      log.info('an interrupted cutover was undone: the fence is down, the slot dropped');
      return { status: 'undone', ...nothing, ms: Date.now() - started };
    }
    if (record.phase === 'finished') {
      throw new BridgeError(
        'BAD_STATE',
        `source "${config.sourceId}" finished its cutover: there is nothing to roll back to`,
        {
          hint: 'capture and reverse replication were removed by `litebridge finish`; copy PostgreSQL back with a new tool run if needed',
        },
      );
    }
    if (record.phase === 'rolled-back' && !fence.installed && slot === null) {
      return {
        status: 'nothing',
        ...nothing,
        checkpoint: record.checkpointSeq?.toString() ?? null,
        ms: Date.now() - started,
      };
    }
    if (slot === null || slot.walStatus === 'lost') {
      throw new BridgeError(
        'BAD_STATE',
        `replication slot for "${config.sourceId}" is ${slot === null ? 'missing' : 'lost'}: PostgreSQL's latest changes cannot reach SQLite`,
        {
          hint: 'compare with `litebridge drift-report`; a rollback now would lose what PostgreSQL has that SQLite lacks',
        },
      );
    }
    return { ...(await rollBack(ctx, record.phase === 'cutover', options)), ms: Date.now() - started };
  } finally {
    await closeContext(ctx);
  }
}

async function rollBack(
  ctx: CutoverContext,
  fromCutover: boolean,
  options: RollbackOptions,
): Promise<Omit<RollbackResult, 'ms'>> {
  const { config, pool, db, log } = ctx;
  // The running sync stops streaming when it sees the phase (and turns forward; the fence is
  // still up, so there is nothing to carry yet).
  if (fromCutover) await movePhase(pool, config.sourceId, ['cutover'], 'rolled-back');
  let client: PgClient | null = null;
  let fenceDown = false;
  try {
    const locked = await lockTargetTables(
      pool,
      [...ctx.targets.values()],
      config.sourceId,
      options.lockWaitMs,
    );
    client = locked.client;
    const lsn = (await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn'))
      .rows[0]!.lsn;
    await waitForIdleSlot(pool, config.sourceId, options.slotWaitMs ?? 30_000);
    const last = await lastPublishedCommit(pool, config.sourceId, lsn);
    const applied = readReverseLsn(db);
    const behind = last !== null && (applied === null || parseLsn(last) > parseLsn(applied));
    const reverse = behind
      ? await runReverse(config, log.child({ component: 'reverse' }), { untilLsn: last })
      : { transactions: 0 };
    const head = changelogHead(db);
    const capturedMeanwhile = Number(head - locked.checkpoint);
    if (capturedMeanwhile !== 0) {
      log.warn(
        { head: head.toString(), checkpoint: locked.checkpoint.toString() },
        'changes were captured while PostgreSQL was the primary: forward sync applies them',
      );
    }
    removeFence(db);
    fenceDown = true;
    await client.query('UPDATE litebridge.sources SET verified_seq = NULL WHERE source_id = $1', [
      config.sourceId,
    ]);
    const committing = client;
    client = null; // a failed COMMIT has rolled back by itself
    await endLockSession(committing, true);
    // The drain's walsender exits a moment after its client: wait, or the slot is still "in use".
    await waitForIdleSlot(pool, config.sourceId, options.slotWaitMs ?? 30_000);
    await dropReplication(pool, config.sourceId);
    log.info({ lsn, transactions: reverse.transactions }, 'rolled back to SQLite');
    return {
      status: 'rolled-back',
      lsn,
      transactions: reverse.transactions,
      checkpoint: locked.checkpoint.toString(),
      capturedMeanwhile,
    };
  } catch (error) {
    if (client !== null) await endLockSession(client, false);
    if (!fenceDown && fromCutover) {
      // Nothing changed for the application: PostgreSQL stays the primary, sync streams again.
      await movePhase(pool, config.sourceId, ['rolled-back'], 'cutover').catch(() => undefined);
    }
    throw error;
  }
}

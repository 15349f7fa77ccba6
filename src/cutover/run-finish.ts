/**
 * `litebridge finish`: ends a successful cutover. The running sync stops (phase 'finished'),
 * reverse replication is drained one last time so the SQLite file is a complete backup as of
 * now, then the slot and the publication are dropped, and capture (triggers, changelog, flag and
 * meta tables) is removed from the SQLite file. The fence stays, made unconditional, so an
 * application still configured for SQLite cannot write to the old file by mistake
 * (`litebridge uninstall` removes it too).
 */
import type { Config } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { type CutoverRecord, movePhase, readCutoverRecord } from '../pg/phase-store.js';
import { type SlotStatus, slotStatus } from '../pg/replication.js';
import { captureState } from '../sqlite/capture.js';
import { finishFence } from '../sqlite/fence.js';
import { type CutoverContext, closeContext, openContext } from './context.js';
import { drainReverseToNow, dropReplicationAfterDrain, type ReverseDrain } from './reverse-drain.js';

/** How finish runs (the `finish` command's flags). */
export interface FinishOptions {
  /** How long to wait for the running sync to let go of the slot (ms, default 30,000). */
  readonly slotWaitMs?: number;
}

/** What finish did (printed with --json). */
export interface FinishResult {
  readonly status: 'finished' | 'already';
  /** SQLite holds PostgreSQL's transactions up to this position (null: the slot was lost or gone). */
  readonly backupLsn: string | null;
  /** Transactions the last drain applied. */
  readonly transactions: number;
  /** Fence triggers left in the SQLite file. */
  readonly fenceTriggers: number;
}

/** Runs finish (see the module comment). */
export async function runFinish(
  config: Config,
  log: Logger,
  options: FinishOptions = {},
): Promise<FinishResult> {
  const ctx = await openContext(config, log, 'litebridge finish');
  try {
    const { pool, db } = ctx;
    const record = requireCutOver(config, await readCutoverRecord(pool, config.sourceId));
    const slot = await slotStatus(pool, config.sourceId);
    if (record.phase === 'finished' && slot === null && !captureState(db).installed) {
      return { status: 'already', backupLsn: null, transactions: 0, fenceTriggers: 0 };
    }
    await movePhase(pool, config.sourceId, ['cutover'], 'finished');
    const drain = await lastDrain(ctx, slot, options);
    await dropReplicationAfterDrain(ctx, options.slotWaitMs);
    const fenceTriggers = finishFence(db, [...ctx.tables.keys()], record.cutoverAt ?? new Date());
    const backupLsn = drain?.lsn ?? null;
    log.info({ backupLsn, fenceTriggers }, 'cutover finished: capture removed, the fence stays');
    return { status: 'finished', backupLsn, transactions: drain?.transactions ?? 0, fenceTriggers };
  } finally {
    await closeContext(ctx);
  }
}

/** The cutover record of a source that is cut over (or finished); BAD_STATE otherwise. */
function requireCutOver(config: Config, record: CutoverRecord | null): CutoverRecord {
  if (record !== null && (record.phase === 'cutover' || record.phase === 'finished')) return record;
  throw new BridgeError(
    'BAD_STATE',
    `source "${config.sourceId}" is not cut over (phase ${record?.phase ?? 'none'})`,
    { hint: 'run `litebridge cutover` first; finish ends a cutover' },
  );
}

/**
 * Drains reverse replication one last time, so the SQLite file is a complete backup as of now;
 * null when there is no slot, or a lost one (warned: SQLite misses what it could not stream).
 */
async function lastDrain(
  ctx: CutoverContext,
  slot: SlotStatus | null,
  options: FinishOptions,
): Promise<ReverseDrain | null> {
  if (slot === null) return null;
  if (slot.walStatus !== 'lost') return drainReverseToNow(ctx, ctx.pool, options.slotWaitMs);
  ctx.log.warn(
    'the replication slot is lost: the SQLite file misses PostgreSQL changes since reverse stopped',
  );
  return null;
}

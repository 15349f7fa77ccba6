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
import { movePhase, readCutoverRecord } from '../pg/phase-store.js';
import { dropReplication, slotStatus } from '../pg/replication.js';
import { runReverse } from '../reverse/run-reverse.js';
import { captureState } from '../sqlite/capture.js';
import { finishFence } from '../sqlite/fence.js';
import { parseLsn, readReverseLsn } from '../sqlite/reverse-apply.js';
import { closeContext, openContext } from './context.js';
import { lastPublishedCommit } from './slot-peek.js';
import { waitForIdleSlot } from './slot-wait.js';

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
    const record = await readCutoverRecord(pool, config.sourceId);
    if (record === null || (record.phase !== 'cutover' && record.phase !== 'finished')) {
      throw new BridgeError(
        'BAD_STATE',
        `source "${config.sourceId}" is not cut over (phase ${record?.phase ?? 'none'})`,
        {
          hint: 'run `litebridge cutover` first; finish ends a cutover',
        },
      );
    }
    const slot = await slotStatus(pool, config.sourceId);
    if (record.phase === 'finished' && slot === null && !captureState(db).installed) {
      return { status: 'already', backupLsn: null, transactions: 0, fenceTriggers: 0 };
    }
    await movePhase(pool, config.sourceId, ['cutover'], 'finished');
    let backupLsn: string | null = null;
    let transactions = 0;
    if (slot !== null && slot.walStatus !== 'lost') {
      await waitForIdleSlot(pool, config.sourceId, options.slotWaitMs ?? 30_000);
      const until = (await pool.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn'))
        .rows[0]!.lsn;
      const last = await lastPublishedCommit(pool, config.sourceId, until);
      const applied = readReverseLsn(db);
      if (last !== null && (applied === null || parseLsn(last) > parseLsn(applied))) {
        transactions = (await runReverse(config, log.child({ component: 'reverse' }), { untilLsn: last }))
          .transactions;
      }
      backupLsn = until;
    } else if (slot !== null) {
      log.warn(
        'the replication slot is lost: the SQLite file misses PostgreSQL changes since reverse stopped',
      );
    }
    // The drain's walsender exits a moment after its client: wait, or the slot is still "in use".
    await waitForIdleSlot(pool, config.sourceId, options.slotWaitMs ?? 30_000);
    await dropReplication(pool, config.sourceId);
    const fenceTriggers = finishFence(db, [...ctx.tables.keys()], record.cutoverAt ?? new Date());
    log.info({ backupLsn, fenceTriggers }, 'cutover finished: capture removed, the fence stays');
    return { status: 'finished', backupLsn, transactions, fenceTriggers };
  } finally {
    await closeContext(ctx);
  }
}

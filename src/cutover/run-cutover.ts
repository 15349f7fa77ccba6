/**
 * `litebridge cutover`: moves the application from SQLite to PostgreSQL while sync runs.
 *
 * Outside the fence (the application still writes): hold back changelog pruning at the
 * checkpoint, preflight with the drift check, validate the NOT VALID foreign keys, create the
 * publication and the slot. The fence window, from the locks to their release: EXCLUSIVE locks
 * on the target tables (an application that moves early waits), the SQLite fence, the drain of
 * what sync has not applied, the final check (keys changed since the drift check + row counts),
 * setval, the reverse start position, and the switch, all in ONE PostgreSQL transaction. Any
 * failure before its COMMIT rolls it back, removes the fence and the slot, and leaves sync
 * forward as before; an interrupted run (killed) leaves at most the fence and the slot, which
 * a second run reuses. After the COMMIT nothing is undone: a failure there (or a COMMIT whose
 * answer was lost but which PostgreSQL recorded) leaves the cutover standing.
 */
import type { Config } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ParityQuery } from '../parity/queries-file.js';
import { canApplyAsReplica } from '../pg/checkpoint.js';
import {
  holdPruningAtCheckpoint,
  readCutoverRecord,
  recordFenceMs,
  recordSwitch,
  setVerifiedSeq,
} from '../pg/phase-store.js';
import type { PgClient } from '../pg/pool.js';
import { currentWalLsn, dropReplication, ensurePublication, ensureSlot } from '../pg/replication.js';
import { abandonLockSession, commitLockSession, lockTargetTables } from '../pg/table-locks.js';
import { installFence, removeFence } from '../sqlite/fence.js';
import { setReverseStart } from '../sqlite/reverse-apply.js';
import { type CutoverContext, closeContext, openContext } from './context.js';
import { already, type CutoverResult, empty, switched } from './cutover-result.js';
import { drainChangelog } from './drain.js';
import { type FinalCheck, finalCheck } from './final-check.js';
import { type ForeignKeyReport, validateForeignKeys } from './foreign-keys.js';
import { type Preflight, runPreflight } from './preflight.js';
import { resetSequences } from './sequences.js';

/**
 * The steps of the fence window, in order ('switch' ends with the COMMIT), and 'switched': after
 * the COMMIT, when the cutover stands whatever fails next.
 */
export type CutoverStep = 'fence' | 'drain' | 'checksum' | 'setval' | 'switch' | 'switched';

/**
 * Callbacks run right after a step of the fence window ('switch': just before its COMMIT), for
 * callers that must interrupt a cutover there; a callback that throws fails the cutover (undone
 * before the COMMIT, standing after it). The CLI passes none.
 */
export type CutoverHooks = { readonly [Step in CutoverStep]?: () => void | Promise<void> };

/** How a cutover runs (the `cutover` command's flags). */
export interface CutoverOptions {
  /** Preflight only: nothing is fenced, locked or created. */
  readonly dryRun?: boolean;
  /** Most changelog events sync may be behind (default 10,000). */
  readonly maxBacklog?: number;
  /** How long to try for the table locks (ms, default 30,000). */
  readonly lockWaitMs?: number;
  /** The application's queries, compared in the preflight (one more check). */
  readonly queries?: readonly ParityQuery[];
}

/** Runs the cutover (see the module comment). */
export async function runCutover(
  config: Config,
  log: Logger,
  options: CutoverOptions = {},
  hooks: CutoverHooks = {},
): Promise<CutoverResult> {
  const ctx = await openContext(config, log, 'litebridge cutover');
  try {
    const record = await readCutoverRecord(ctx.pool, config.sourceId);
    if (record !== null && (record.phase === 'cutover' || record.phase === 'finished'))
      return already(record);
    const since = await holdPruning(ctx);
    const preflight = await preflightSince(ctx, since, options);
    if (options.dryRun === true) return { ...empty(preflight), status: 'dry-run' };
    const outside = await prepareOutsideFence(ctx).catch(async (error: unknown) => {
      await undo(ctx, { session: null, fenced: false, switched: false });
      throw error;
    });
    return await cutOver(ctx, { preflight, since, ...outside }, options, hooks);
  } finally {
    await closeContext(ctx);
  }
}

/**
 * The preflight with the drift check since `since`. A dry run, a failed preflight or an error
 * releases the pruning hold; a failed preflight (not a dry run) throws BAD_STATE listing each
 * failed check with its fix.
 */
async function preflightSince(
  ctx: CutoverContext,
  since: bigint,
  options: CutoverOptions,
): Promise<Preflight> {
  const release = () => setVerifiedSeq(ctx.pool, ctx.config.sourceId, null);
  const preflight = await runPreflight(ctx, {
    maxBacklog: options.maxBacklog ?? 10_000,
    driftSince: since,
    ...(options.queries === undefined ? {} : { queries: options.queries }),
  }).catch(async (error: unknown) => {
    await release().catch(() => undefined);
    throw error;
  });
  if (preflight.ok && options.dryRun !== true) return preflight;
  await release();
  if (options.dryRun === true) return preflight;
  throw preflightFailed(preflight);
}

/** What the cutover knows before the fence goes up. */
interface BeforeFence {
  readonly preflight: Preflight;
  /** The drift check's changelog seq: the final check compares every key changed after it. */
  readonly since: bigint;
  readonly foreignKeys: ForeignKeyReport;
  /** Whether the drain may apply as a replica, as sync does. */
  readonly asReplica: boolean;
}

/**
 * Outside the fence (the application still writes): validates the NOT VALID foreign keys
 * (rows without a parent are warned, the key stays NOT VALID), creates the publication and slot.
 */
async function prepareOutsideFence(ctx: CutoverContext): Promise<Omit<BeforeFence, 'preflight' | 'since'>> {
  const { pool, config, log } = ctx;
  const targets = [...ctx.targets.values()];
  const foreignKeys = await validateForeignKeys(pool, targets);
  for (const d of foreignKeys.dangling) log.warn(d, 'foreign key left NOT VALID: rows point at no parent');
  await ensurePublication(pool, config.sourceId, targets);
  await ensureSlot(pool, config.sourceId);
  return { foreignKeys, asReplica: await canApplyAsReplica(pool) };
}

/** What a failure inside the fence window must put back (see `undo`). */
interface Held {
  /** The lock session until its COMMIT (a failed COMMIT has rolled back by itself). */
  session: PgClient | null;
  fenced: boolean;
  /** The switch committed: the fence and the slot are the application's way forward and back. */
  switched: boolean;
}

/**
 * The fence window, from the locks to their release: fence, drain, verify, sequences, switch.
 * Any failure before the COMMIT undoes it all.
 */
async function cutOver(
  ctx: CutoverContext,
  before: BeforeFence,
  options: CutoverOptions,
  hooks: CutoverHooks,
): Promise<CutoverResult> {
  const held: Held = { session: null, fenced: false, switched: false };
  try {
    // The fence window starts with the locks: from here the application's writes wait or fail.
    const locked = await lockTargetTables(
      ctx.pool,
      [...ctx.targets.values()],
      ctx.config.sourceId,
      options.lockWaitMs,
    );
    held.session = locked.client;
    const started = performance.now();
    const fenceAt = raiseFence(ctx, held);
    await hooks.fence?.();
    const drained = await drainChangelog(ctx, { ...locked, asReplica: before.asReplica });
    await hooks.drain?.();
    const checksum = await verifyInsideFence(ctx, locked.client, before.since, hooks);
    const sequences = await resetSequences(locked.client, ctx.db, [...ctx.targets.values()]);
    await hooks.setval?.();
    const lsn = await switchToPostgres(ctx, held, drained.checkpoint, hooks);
    const fenceMs = performance.now() - started;
    ctx.log.info(
      { fenceMs: Math.round(fenceMs), lsn, seq: drained.checkpoint.toString() },
      'cut over to PostgreSQL',
    );
    await recordFenceMs(ctx.pool, ctx.config.sourceId, fenceMs).catch((e: Error) =>
      ctx.log.warn({ err: e.message }, 'the fence time was not recorded (status will not show it)'),
    );
    await hooks.switched?.();
    return switched({ ...before, fenceMs, fenceAt, drained, checksum, sequences, lsn });
  } catch (error) {
    if (held.switched) {
      ctx.log.error({ err: (error as Error).message }, 'failed after the switch: the cutover stands');
    } else {
      await undo(ctx, held);
    }
    throw error;
  }
}

/** Installs the SQLite fence: the application's writes to SQLite fail from here. */
function raiseFence(ctx: CutoverContext, held: Held): Date {
  const fence = installFence(ctx.db, [...ctx.tables.keys()]);
  held.fenced = true;
  ctx.log.info({ at: fence.at.toISOString() }, 'write fence up');
  return fence.at;
}

/** The final check inside the fence: every key changed since the drift check, plus row counts. */
async function verifyInsideFence(
  ctx: CutoverContext,
  client: PgClient,
  since: bigint,
  hooks: CutoverHooks,
): Promise<FinalCheck> {
  const checksum = await finalCheck(client, ctx.db, since, ctx.tables);
  await hooks.checksum?.();
  if (!checksum.equal) throw checkFailed(checksum);
  return checksum;
}

/**
 * The switch: the WAL insert position is stored in SQLite as where reverse replication starts,
 * the phase moves to 'cutover' with where it happened, and the lock session commits. A COMMIT
 * that fails has rolled back by itself, unless only its answer was lost: the phase stored in
 * PostgreSQL tells which.
 */
async function switchToPostgres(
  ctx: CutoverContext,
  held: Held,
  seq: bigint,
  hooks: CutoverHooks,
): Promise<string> {
  const session = held.session!;
  const lsn = await currentWalLsn(session);
  setReverseStart(ctx.db, lsn);
  await recordSwitch(session, ctx.config.sourceId, { seq, lsn });
  await hooks.switch?.();
  held.session = null;
  try {
    await commitLockSession(session);
  } catch (error) {
    held.switched = await switchRecorded(ctx);
    if (!held.switched) throw error;
    ctx.log.warn(
      { err: (error as Error).message },
      'the switch COMMIT reported a failure but PostgreSQL recorded it',
    );
  }
  held.switched = true;
  return lsn;
}

/** Whether PostgreSQL holds the phase 'cutover' for this source (false when it cannot tell). */
async function switchRecorded(ctx: CutoverContext): Promise<boolean> {
  const record = await readCutoverRecord(ctx.pool, ctx.config.sourceId).catch(() => null);
  return record !== null && record.phase === 'cutover';
}

/** Puts everything back as before the cutover: sync goes on forward, the application writes SQLite. */
async function undo(ctx: CutoverContext, held: Held): Promise<void> {
  const { config, log } = ctx;
  if (held.session !== null) await abandonLockSession(held.session);
  if (held.fenced) removeFence(ctx.db);
  await dropReplication(ctx.pool, config.sourceId).catch((e: Error) =>
    log.warn({ err: e.message }, 'replication slot not dropped: drop it with `litebridge rollback`'),
  );
  await setVerifiedSeq(ctx.pool, config.sourceId, null).catch(() => undefined);
  log.warn('cutover undone: the fence is down, sync goes on forward');
}

/**
 * Holds back changelog pruning at the current checkpoint and returns it: the drift check's
 * baseline. BAD_STATE when sync has not recorded a checkpoint yet.
 */
async function holdPruning(ctx: CutoverContext): Promise<bigint> {
  const seq = await holdPruningAtCheckpoint(ctx.pool, ctx.config.sourceId);
  if (seq !== null) return seq;
  throw new BridgeError('BAD_STATE', `source "${ctx.config.sourceId}" has no sync checkpoint in PostgreSQL`, {
    hint: 'run `litebridge sync` first: cutover follows a running sync',
  });
}

function preflightFailed(preflight: Preflight): BridgeError {
  const failed = preflight.checks.filter((c) => !c.ok);
  return new BridgeError(
    'BAD_STATE',
    `cutover preflight failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
    {
      details: Object.fromEntries(failed.map((c) => [c.name, `${c.detail}. Fix: ${c.fix ?? '-'}`])),
      hint: failed[0]?.fix ?? 'run `litebridge cutover --dry-run` for every check',
    },
  );
}

function checkFailed(check: FinalCheck): BridgeError {
  return new BridgeError(
    'BAD_STATE',
    `the final check inside the fence found ${check.mismatches.length} difference(s): ${check.mismatches
      .slice(0, 3)
      .map((m) => `${m.table} ${m.key}: ${m.reason}`)
      .join('; ')}`,
    {
      details: { mismatches: check.mismatches },
      hint: 'cutover undone; run `litebridge verify` to see the rows, repair them, then run cutover again',
    },
  );
}

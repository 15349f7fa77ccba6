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
 * a second run reuses.
 */
import type { Config } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ParityQuery } from '../parity/queries-file.js';
import { canApplyAsReplica } from '../pg/checkpoint.js';
import {
  type CutoverRecord,
  readCutoverRecord,
  recordFenceMs,
  recordSwitch,
  setVerifiedSeq,
} from '../pg/phase-store.js';
import type { PgClient } from '../pg/pool.js';
import { dropReplication, ensurePublication, ensureSlot } from '../pg/replication.js';
import { changelogHead } from '../sqlite/changelog.js';
import { installFence, removeFence } from '../sqlite/fence.js';
import { setReverseStart } from '../sqlite/reverse-apply.js';
import { type CutoverContext, closeContext, openContext } from './context.js';
import { drainChangelog } from './drain.js';
import type { DriftCheck } from './drift.js';
import { type FinalCheck, finalCheck } from './final-check.js';
import { type ForeignKeyReport, validateForeignKeys } from './foreign-keys.js';
import { type Preflight, runPreflight } from './preflight.js';
import { resetSequences, type SequenceReset } from './sequences.js';
import { endLockSession, lockTargetTables } from './table-locks.js';

/** The steps a test can make fail (each right after it is done; 'switch' just before COMMIT). */
export type CutoverStep = 'fence' | 'drain' | 'checksum' | 'setval' | 'switch';

export interface CutoverOptions {
  /** Preflight only: nothing is fenced, locked or created. */
  readonly dryRun?: boolean;
  /** Most changelog events sync may be behind (default 10,000). */
  readonly maxBacklog?: number;
  /** How long to try for the table locks (ms, default 30,000). */
  readonly lockWaitMs?: number;
  /** The application's queries, compared in the preflight (one more check). */
  readonly queries?: readonly ParityQuery[];
  /** Tests: fail right after this step. */
  readonly failAt?: CutoverStep;
  /** Tests, with failAt: behave as a killed process (no cleanup; the lock session is dropped). */
  readonly crash?: boolean;
}

/** What a cutover did (printed with --json). */
export interface CutoverResult {
  /** 'switched' now; 'already' when an earlier run switched; 'dry-run'. */
  readonly status: 'switched' | 'already' | 'dry-run';
  /** Fence up → locks released (ms): the application's write pause. */
  readonly fenceMs: number | null;
  /** When the fence first went up (an interrupted run's fence counts). */
  readonly fenceAt: string | null;
  /** What the cutover applied itself inside the fence (sync had applied the rest). */
  readonly drained: { readonly events: number; readonly batches: number; readonly checkpoint: string } | null;
  readonly checksum: FinalCheck | null;
  readonly drift: DriftCheck | null;
  readonly sequences: readonly SequenceReset[];
  readonly foreignKeys: ForeignKeyReport | null;
  /** Reverse replication applies PostgreSQL transactions committed after this WAL position. */
  readonly lsn: string | null;
  /** Changelog head at the switch (the forward checkpoint a rollback resumes from). */
  readonly seq: string | null;
  readonly preflight: Preflight | null;
}

/** Runs the cutover (see the module comment). */
export async function runCutover(
  config: Config,
  log: Logger,
  options: CutoverOptions = {},
): Promise<CutoverResult> {
  const ctx = await openContext(config, log, 'litebridge cutover');
  try {
    const record = await readCutoverRecord(ctx.pool, config.sourceId);
    if (record !== null && (record.phase === 'cutover' || record.phase === 'finished'))
      return already(record);
    const since = await holdPruning(ctx);
    let preflight: Preflight;
    try {
      preflight = await runPreflight(ctx, {
        maxBacklog: options.maxBacklog ?? 10_000,
        driftSince: since,
        ...(options.queries === undefined ? {} : { queries: options.queries }),
      });
    } catch (error) {
      await setVerifiedSeq(ctx.pool, config.sourceId, null).catch(() => undefined);
      throw error;
    }
    if (options.dryRun === true || !preflight.ok) {
      await setVerifiedSeq(ctx.pool, config.sourceId, null);
      if (options.dryRun === true) return { ...empty(preflight), status: 'dry-run' };
      throw preflightFailed(preflight);
    }
    return await cutOver(ctx, preflight, since, options);
  } finally {
    await closeContext(ctx);
  }
}

async function cutOver(
  ctx: CutoverContext,
  preflight: Preflight,
  since: bigint,
  options: CutoverOptions,
): Promise<CutoverResult> {
  const { db, pool, config, log } = ctx;
  const targets = [...ctx.targets.values()];
  const fail = (step: CutoverStep): void => {
    if (options.failAt === step)
      throw new BridgeError('INTERNAL', `cutover failed on purpose after step "${step}"`);
  };
  let client: PgClient | null = null;
  let fenced = false;
  try {
    const foreignKeys = await validateForeignKeys(pool, targets);
    for (const d of foreignKeys.dangling) log.warn(d, 'foreign key left NOT VALID: rows point at no parent');
    await ensurePublication(pool, config.sourceId, targets);
    await ensureSlot(pool, config.sourceId);
    const asReplica = await canApplyAsReplica(pool);

    // The fence window starts with the locks: from here the application's writes wait or fail.
    const locked = await lockTargetTables(pool, targets, config.sourceId, options.lockWaitMs);
    client = locked.client;
    const started = performance.now();
    const fence = installFence(db, [...ctx.tables.keys()]);
    fenced = true;
    log.info({ at: fence.at.toISOString() }, 'write fence up');
    fail('fence');
    const drained = await drainChangelog(
      client,
      db,
      locked.checkpoint,
      ctx.tables,
      ctx.targets,
      config,
      asReplica,
    );
    const head = changelogHead(db);
    if (drained.checkpoint < head) {
      throw new BridgeError(
        'INTERNAL',
        `the drain stopped at ${drained.checkpoint}, before the changelog head ${head}`,
      );
    }
    fail('drain');
    const checksum = await finalCheck(client, db, since, ctx.tables);
    fail('checksum');
    if (!checksum.equal) throw checkFailed(checksum);
    const sequences = await resetSequences(client, db, targets);
    fail('setval');
    const lsn = (await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn'))
      .rows[0]!.lsn;
    setReverseStart(db, lsn);
    await recordSwitch(client, config.sourceId, { seq: drained.checkpoint, lsn });
    fail('switch');
    const committing = client;
    client = null; // a failed COMMIT has rolled back by itself
    await endLockSession(committing, true);
    const fenceMs = performance.now() - started;
    await recordFenceMs(pool, config.sourceId, fenceMs);
    log.info(
      { fenceMs: Math.round(fenceMs), lsn, seq: drained.checkpoint.toString() },
      'cut over to PostgreSQL',
    );
    return {
      status: 'switched',
      fenceMs: Math.round(fenceMs),
      fenceAt: fence.at.toISOString(),
      drained: {
        events: drained.events,
        batches: drained.batches,
        checkpoint: drained.checkpoint.toString(),
      },
      checksum,
      drift: preflight.drift,
      sequences,
      foreignKeys,
      lsn,
      seq: drained.checkpoint.toString(),
      preflight,
    };
  } catch (error) {
    if (options.crash === true && options.failAt !== undefined) {
      client?.release(true); // as if the process died: PostgreSQL rolls the session back
      throw error;
    }
    await undo(ctx, client, fenced);
    throw error;
  }
}

/** Puts everything back as before the cutover: sync goes on forward, the application writes SQLite. */
async function undo(ctx: CutoverContext, client: PgClient | null, fenced: boolean): Promise<void> {
  const { config, log } = ctx;
  if (client !== null) await endLockSession(client, false);
  if (fenced) removeFence(ctx.db);
  await dropReplication(ctx.pool, config.sourceId).catch((e: Error) =>
    log.warn({ err: e.message }, 'replication slot not dropped: drop it with `litebridge rollback`'),
  );
  await setVerifiedSeq(ctx.pool, config.sourceId, null).catch(() => undefined);
  log.warn('cutover undone: the fence is down, sync goes on forward');
}

/**
 * Holds back changelog pruning at the current checkpoint (atomically: a prune that read an older
 * checkpoint deletes at most up to it) and returns it: the drift check's baseline.
 */
async function holdPruning(ctx: CutoverContext): Promise<bigint> {
  const result = await ctx.pool.query<{ seq: string | null }>(
    `UPDATE litebridge.sources SET verified_seq = checkpoint_seq WHERE source_id = $1
     RETURNING verified_seq::text AS seq`,
    [ctx.config.sourceId],
  );
  const seq = result.rows[0]?.seq ?? null;
  if (seq === null) {
    throw new BridgeError(
      'BAD_STATE',
      `source "${ctx.config.sourceId}" has no sync checkpoint in PostgreSQL`,
      {
        hint: 'run `litebridge sync` first: cutover follows a running sync',
      },
    );
  }
  return BigInt(seq);
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

function empty(preflight: Preflight | null): CutoverResult {
  return {
    status: 'dry-run',
    fenceMs: null,
    fenceAt: null,
    drained: null,
    checksum: null,
    drift: preflight?.drift ?? null,
    sequences: [],
    foreignKeys: null,
    lsn: null,
    seq: null,
    preflight,
  };
}

function already(record: CutoverRecord): CutoverResult {
  return {
    ...empty(null),
    status: 'already',
    fenceMs: record.fenceMs,
    fenceAt: record.cutoverAt?.toISOString() ?? null,
    lsn: record.cutoverLsn,
    seq: record.cutoverSeq?.toString() ?? null,
  };
}

import {
  BehaviorSubject,
  catchError,
  concatMap,
  concatWith,
  defer,
  EMPTY,
  exhaustMap,
  expand,
  filter,
  ignoreElements,
  lastValueFrom,
  map,
  type Observable,
  takeUntil,
  throwError,
} from 'rxjs';
import { type BridgeError, fromPgError, fromSqliteError } from '../errors.js';
import type { ChangeBatch } from '../model/change.js';
import type { TargetTable } from '../model/target-schema.js';
import { applyBatch } from '../pg/apply.js';
import { recordSyncError } from '../pg/checkpoint.js';
import { type Phase, pruneBound } from '../pg/phase-store.js';
import type { PgPool } from '../pg/pool.js';
import { captureFingerprint } from '../sqlite/capture.js';
import { pruneChangelog, readBatchAtSchema } from '../sqlite/changelog.js';
import { DataVersion } from '../sqlite/data-version.js';
import { type FileIdentity, fileIdentity, requireSameFile } from '../sqlite/file-identity.js';
import { directionOf, PhaseWatch } from './phase.js';
import { type FollowedTables, followSchemaChange } from './schema-follow.js';
import type { ForwardSides, SyncOptions } from './sync-options.js';
import { SyncProgress } from './sync-progress.js';
import { type RetryState, retryTarget } from './target-retry.js';
import { wakeUps } from './wake-ups.js';

/** How often applied changelog rows are pruned at most (ms). */
const PRUNE_EVERY_MS = 5_000;

/** What a forward run gives its loop. */
export interface SyncLoopContext extends ForwardSides {
  readonly options: SyncOptions;
  /** Apply as a replica (foreign keys and triggers not fired on replicated rows). */
  readonly asReplica: boolean;
  /** The schema sync follows when the loop starts. */
  readonly followed: FollowedTables;
  /** The checkpoint the loop starts from. */
  readonly start: bigint;
}

/**
 * One forward sync run after its start: every wake-up pulls the changelog (`exhaustMap`: ticks
 * that arrive meanwhile are dropped, nothing is lost since the changelog is the buffer), batch by
 * batch up to its head, each batch applied by `concatMap` in one PostgreSQL transaction with its
 * checkpoint and retried alone. Before each batch the cutover phase is read (forward stops when
 * it moved on) and the capture fingerprint compared (schema changes are followed or stop sync).
 */
export class SyncLoop {
  /** The checkpoint, batches and events applied. */
  readonly progress: SyncProgress;
  /** True once no new batch may start (asked to stop, or switched); the one in flight still commits. */
  readonly #stopping$ = new BehaviorSubject(false);
  /** True once the phase left forward (cutover): forward stops, the caller turns to reverse. */
  #switched = false;
  #followed: FollowedTables;
  #lastPrune = Date.now();
  readonly #phase: PhaseWatch;
  /** Another connection's commit since the last read: the fast wake-up probe. */
  readonly #versions: DataVersion;
  /** The file sync opened: a batch is read only while the path still names it. */
  readonly #file: FileIdentity | null;
  readonly #retry: RetryState;

  constructor(private readonly context: SyncLoopContext) {
    this.#followed = context.followed;
    this.progress = new SyncProgress(context.start, context.log, context.options);
    this.#phase = new PhaseWatch(context.pool, context.config.sourceId);
    this.#versions = new DataVersion(context.db);
    this.#file = fileIdentity(context.config.sqlitePath);
    this.#retry = {
      log: context.log,
      stopping$: this.#stopping$,
      checkpoint: () => this.progress.checkpoint,
    };
  }

  /** True once the phase left forward: the caller follows the cutover. */
  get switched(): boolean {
    return this.#switched;
  }

  /** No new batch starts after this; the one in flight still commits. */
  stop(): void {
    if (!this.#stopping$.value) this.#stopping$.next(true);
  }

  /** Runs until `stop$` or the phase leaves forward; the batch in flight commits first. */
  async run(stop$: Observable<unknown>): Promise<void> {
    const { config, options } = this.context;
    const stopping = stop$.subscribe(() => this.stop());
    const wakeUps$ = wakeUps(config.sqlitePath, options.pollMs ?? 1000, () =>
      this.#versions.changedSinceMark(),
    );
    try {
      await lastValueFrom(
        wakeUps$.pipe(
          takeUntil(this.#stopping$.pipe(filter(Boolean))),
          exhaustMap(() => this.#pull()),
        ),
        { defaultValue: undefined },
      );
    } finally {
      stopping.unsubscribe();
      this.stop();
    }
  }

  /**
   * One wake-up's pull: the next batch read and applied, then the next, up to the head (or the
   * stop); then the applied changelog rows are pruned.
   */
  #pull(): Observable<ChangeBatch> {
    const next$ = defer(() => this.#nextBatch()).pipe(
      filter((batch): batch is ChangeBatch => batch !== null),
      concatMap((batch) => this.#apply(batch)),
    );
    const prune$ = defer(() => this.#maybePrune()).pipe(ignoreElements());
    return next$.pipe(
      expand((batch) => (batch.atHead || this.#stopping$.value ? EMPTY : next$)),
      concatWith(prune$),
    );
  }

  /**
   * The next batch after the checkpoint, read at the schema sync follows (a schema change is
   * followed first); null when there is none or forward stops.
   */
  async #nextBatch(): Promise<ChangeBatch | null> {
    for (;;) {
      if (this.#stopping$.value || (await this.#leftForward())) return null;
      requireSameFile(this.context.config.sqlitePath, this.#file);
      if (captureFingerprint(this.context.db) !== this.#followed.fingerprint) {
        // The cutover's fence and finish change the schema too: ask for the phase first.
        if (await this.#leftForwardNow()) return null;
        this.#followed = await followSchemaChange(this.context, this.#followed, this.progress.checkpoint);
      }
      const batch = this.#read();
      // The schema moved after the check above: follow it before reading any row under it.
      if (batch !== 'schema-changed') return batch;
    }
  }

  #read(): ChangeBatch | null | 'schema-changed' {
    try {
      this.#versions.mark();
      const { tables, schemaVersion } = this.#followed;
      const limits = { maxEvents: this.context.options.maxEvents ?? 2_000 };
      return readBatchAtSchema(this.context.db, this.progress.checkpoint, tables, limits, schemaVersion);
    } catch (error) {
      throw fromSqliteError(error, 'reading the changelog failed');
    }
  }

  /** Applies `batch` (retried alone); emits it once committed, nothing if the phase moved on. */
  #apply(batch: ChangeBatch): Observable<ChangeBatch> {
    const { context } = this;
    const targets = this.#followed.targets;
    return defer(() => applyOnce(context, batch, targets)).pipe(
      retryTarget(this.#retry, { context: 'applying a batch failed', batch }),
      catchError((error: BridgeError) => this.#unlessSwitched(error)),
      map((applyMs) => {
        this.progress.applied(batch, applyMs);
        return batch;
      }),
    );
  }

  /** A batch that waited on the cutover's locks finds the checkpoint moved by the switch. */
  #unlessSwitched(error: BridgeError): Observable<never> {
    if (error.code !== 'BAD_STATE') return throwError(() => error);
    return defer(() => this.#leftForwardNow().catch(() => false)).pipe(
      concatMap((switched) => (switched ? EMPTY : throwError(() => error))),
    );
  }

  /** True (and forward stops) once the phase, as last read, says sync no longer runs forward. */
  #leftForward(): Promise<boolean> {
    return this.#switchIfLeft(() => this.#phase.current());
  }

  /** The same from the phase read now (a schema change may be the cutover's fence or switch). */
  #leftForwardNow(): Promise<boolean> {
    return this.#switchIfLeft(() => this.#phase.readNow());
  }

  async #switchIfLeft(read: () => Promise<Phase>): Promise<boolean> {
    const { pool, config, log } = this.context;
    const step = { context: 'reading the cutover phase', batch: null };
    const phase = await lastValueFrom(
      defer(() => recordingFailure(pool, config.sourceId, step.context, read)).pipe(
        retryTarget(this.#retry, step),
      ),
    );
    if (directionOf(phase) === 'forward') return false;
    log.info('the cutover switched to PostgreSQL: forward sync stops');
    this.#switched = true;
    this.stop();
    return true;
  }

  /** Deletes applied changelog rows, up to the checkpoint PostgreSQL has committed. */
  async #maybePrune(): Promise<void> {
    if (Date.now() - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = Date.now();
    const { db, pool, config, log } = this.context;
    try {
      // The checkpoint, held back while a cutover needs the keys changed since its drift check.
      const committed = await pruneBound(pool, config.sourceId);
      if (committed === null) return;
      const deleted = pruneChangelog(db, committed, { batch: 5_000 });
      if (deleted > 0) log.debug({ deleted, upTo: committed.toString() }, 'changelog pruned');
    } catch (error) {
      // Housekeeping only: the rows stay until the next prune; sync goes on.
      log.warn({ err: (error as Error).message }, 'changelog not pruned this time');
    }
  }
}

/** Applies `batch` with its checkpoint in one transaction; its time in ms. A failure is recorded by `applyBatch`. */
async function applyOnce(
  context: SyncLoopContext,
  batch: ChangeBatch,
  targets: ReadonlyMap<string, TargetTable>,
): Promise<number> {
  const { pool, config, asReplica } = context;
  const started = Date.now();
  // Partitions the batch needs are created first, each in its own short transaction.
  await context.options.partitionKeeper?.beforeBatch(batch, targets);
  const client = await pool.connect();
  try {
    const checkpoint = { sourceId: config.sourceId };
    await applyBatch(client, batch, targets, checkpoint, { onBadRow: config.onBadRow, asReplica });
  } finally {
    client.release();
  }
  return Date.now() - started;
}

/** Runs `step`; a failure is recorded in `last_error` (best effort) before it is thrown on. */
async function recordingFailure<T>(
  pool: PgPool,
  sourceId: string,
  context: string,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    await recordSyncError(pool, sourceId, fromPgError(error, context).message).catch(() => undefined);
    throw error;
  }
}

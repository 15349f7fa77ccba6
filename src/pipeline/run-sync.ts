import {
  defer,
  exhaustMap,
  lastValueFrom,
  merge,
  type Observable,
  ReplaySubject,
  Subject,
  takeUntil,
} from 'rxjs';
import type { Config } from '../config/config.js';
import { BridgeError, fromPgError, fromSqliteError, isPgFailure } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { BridgeMetrics } from '../log/metrics.js';
import type { ChangeBatch } from '../model/change.js';
import type { SourceSchema } from '../model/source-schema.js';
import type { TargetTable } from '../model/target-schema.js';
import { applyBatch } from '../pg/apply.js';
import { canApplyAsReplica, readCheckpoint, recordSyncError } from '../pg/checkpoint.js';
import { ensureMetadata, readSource } from '../pg/metadata.js';
import { pruneBound, readPhase } from '../pg/phase-store.js';
import { createPool, type PgPool, ping } from '../pg/pool.js';
import { introspect } from '../schema/introspect.js';
import { pairTables, type ReplicatedTable } from '../schema/replicated.js';
import { diffSchemas, isAddition, type SchemaChange } from '../schema/schema-diff.js';
import { translate } from '../schema/translate.js';
import { captureFingerprint, captureState, followSchema } from '../sqlite/capture.js';
import { pruneChangelog, readBatchAtSchema } from '../sqlite/changelog.js';
import { DataVersion } from '../sqlite/data-version.js';
import { journalMode, openSqlite, type SqliteDatabase, walSwitchCommand } from '../sqlite/open.js';
import { DriftObserver } from '../verify/observer.js';
import { type PartitionKeeper, startPartitionKeeper } from './partition-keeper.js';
import { directionOf, finishedError, followReverse, PhaseWatch } from './phase.js';
import { reconcileTargets } from './reconcile.js';
import { runSnapshot } from './snapshot.js';
import { checkSourceOwner } from './source-owner.js';
import { wakeUps } from './wake-ups.js';

export interface SyncOptions {
  /** Emits once to stop: the batch in flight is finished and committed, then sync returns. */
  readonly shutdown$?: Observable<unknown>;
  /** Fallback poll interval when no file event arrives (ms). */
  readonly pollMs?: number;
  /** Changelog events per batch at most (default 2,000: on random keys larger batches apply no faster and hold more memory). */
  readonly maxEvents?: number;
  /** Called after each applied batch (for the demo's status line and tests). */
  readonly onBatch?: (batch: BatchStats) => void;
  /** The drift observer: a slice of chunks checked every interval (off when omitted). */
  readonly drift?: { readonly intervalMs: number; readonly chunksPerTick: number };
  /** Each emission asks the drift observer for a full check now (e.g. SIGUSR2). */
  readonly checkNow$?: Observable<unknown>;
  /** Prometheus metrics to keep up to date. */
  readonly metrics?: BridgeMetrics;
  /** Partition keeper's pass interval (ms, default 60 s): see partition-keeper.ts. */
  readonly partitionEveryMs?: number;
  /** Set by sync itself: the keeper that creates partitions before batches need them. */
  readonly partitionKeeper?: PartitionKeeper | null;
}

/** What one applied batch did. */
export interface BatchStats {
  readonly upTo: bigint;
  readonly events: number;
  readonly keys: number;
  /** Capture of the batch's last event → PostgreSQL commit (ms). */
  readonly lagMs: number;
  readonly applyMs: number;
}

export interface SyncResult {
  readonly checkpoint: string;
  readonly batches: number;
  readonly events: number;
  readonly snapshotted: boolean;
}

const RETRY_FIRST_MS = 200;
const RETRY_MAX_MS = 5_000;
const PRUNE_EVERY_MS = 5_000;
const PROGRESS_EVERY_MS = 10_000;

/**
 * `litebridge sync`: installs capture (before any snapshot, so no change can fall between),
 * snapshots when PostgreSQL has no finished snapshot for this source, then tails the changelog:
 * every wake-up drains it batch by batch (one batch in flight; ticks that arrive meanwhile are
 * dropped by exhaustMap, nothing is lost since the changelog is the buffer), each batch applied in
 * one PostgreSQL transaction with its checkpoint. A retriable failure retries that batch with
 * exponential backoff; anything else stops sync with the error. PostgreSQL going away is always
 * a `TARGET` error (retried while running; reported when sync is stopping), never a bug.
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
  // Partitions: kept ahead while sync runs, forward and reverse (partition-keeper.ts).
  const keeper = startPartitionKeeper(config, log, options.partitionEveryMs);
  options = { ...options, partitionKeeper: keeper };
  let result: SyncResult = { checkpoint: '', batches: 0, events: 0, snapshotted: false };
  try {
    // The cutover phase says which way to run; it is followed until sync is stopped.
    for (;;) {
      await ping(pool);
      await ensureMetadata(pool);
      const direction = directionOf(await readPhase(pool, config.sourceId));
      if (direction === 'none') {
        if (result.checkpoint === '') throw finishedError(config.sourceId);
        return result;
      }
      if (direction === 'reverse') {
        const next = await followReverse(config, log, pool, stop$);
        if (next === 'stopped' || next === 'finished') return result;
        continue;
      }
      const forward = await runForward(config, log, options, stop$);
      result = {
        checkpoint: forward.checkpoint,
        batches: result.batches + forward.batches,
        events: result.events + forward.events,
        snapshotted: result.snapshotted || forward.snapshotted,
      };
      if (!forward.switched) return result;
    }
  } finally {
    listening?.unsubscribe();
    await keeper?.stop(); // partitions
    await pool.end();
  }
}

/** Forward sync until stopped or until the phase leaves forward (`switched`). */
async function runForward(
  config: Config,
  log: Logger,
  options: SyncOptions,
  stop$: Observable<void>,
): Promise<SyncResult & { readonly switched: boolean }> {
  const db = openSqlite(config.sqlitePath);
  const pool = createPool(config.pgUrl, { max: 2, applicationName: 'litebridge sync' });
  try {
    requireWal(db, config.sqlitePath);
    // Capture first: from here on every change is in the changelog, so a snapshot taken now
    // misses nothing. Only replicated tables are captured. The schema is read, captured and
    // fingerprinted under one write lock, so no schema change can slip between.
    const captured = captureState(db).installed;
    const { source, target, fingerprint, schemaVersion } = followSchema(
      db,
      () => {
        const now = introspect(db);
        return { source: now, target: translate(now, config) };
      },
      { sourceId: config.sourceId },
    );
    await ping(pool);
    await ensureMetadata(pool);

    const record = await readSource(pool, config.sourceId);
    checkSourceOwner(record, config);
    const reason =
      record === null
        ? 'no snapshot yet'
        : record.snapshotState !== 'done'
          ? 'the last snapshot did not finish'
          : !captured || record.snapshotSeq === null
            ? 'the last snapshot was taken without capture: changes since then are unknown'
            : null;
    if (reason !== null) {
      log.info({ reason }, 'snapshotting');
      await runSnapshot(config, log, { replaceSourceTables: true });
    }
    const snapshotted = reason !== null;
    const start = await readCheckpoint(pool, config.sourceId);
    if (start === null) {
      throw new BridgeError('BAD_STATE', `source "${config.sourceId}" has a snapshot but no checkpoint`, {
        hint: 'run `litebridge snapshot --replace` again with capture installed',
      });
    }
    const tables = pairTables(source, target);
    const targets = new Map(target.tables.map((t) => [t.source, t]));
    // Tables and columns SQLite gained while sync was stopped (capture is on them already).
    if (!snapshotted) {
      await reconcileTargets(db, pool, tables, targets, { sourceId: config.sourceId, seq: start }, log);
    }
    const asReplica = await canApplyAsReplica(pool);
    if (!asReplica) {
      log.warn(
        'foreign keys are enforced on applied rows: a row that references a parent SQLite does not have will stop sync',
      );
    }
    const loop = new SyncLoop(
      db,
      pool,
      config,
      log,
      tables,
      targets,
      start,
      { fingerprint, schemaVersion },
      source,
      asReplica,
      options,
    );
    const stopping = stop$.subscribe(() => loop.stop());
    const observer =
      options.drift === undefined
        ? null
        : new DriftObserver(config, log, {
            ...options.drift,
            ...(options.metrics ? { metrics: options.metrics } : {}),
          });
    observer?.start();
    const checking = options.checkNow$?.subscribe(() => observer?.checkNow());
    log.info({ checkpoint: start.toString() }, 'streaming changes');
    try {
      await lastValueFrom(
        wakeUps(config.sqlitePath, options.pollMs ?? 1000, () => loop.versions.changedSinceMark()).pipe(
          takeUntil(merge(stop$, loop.switched$)),
          exhaustMap(() => defer(() => loop.drain())),
        ),
        { defaultValue: undefined },
      );
    } finally {
      loop.stop();
      stopping.unsubscribe();
      checking?.unsubscribe();
      await observer?.stop();
    }
    return {
      checkpoint: loop.checkpoint.toString(),
      batches: loop.batches,
      events: loop.events,
      snapshotted,
      switched: loop.switched,
    };
  } finally {
    db.close();
    await pool.end();
  }
}

/** The error that stops sync on schema changes it cannot follow, naming each of them. */
function unfollowable(changes: readonly SchemaChange[], triggersKept: boolean): BridgeError {
  const what = changes.filter((c) => !isAddition(c)).map((c) => c.message);
  if (!triggersKept)
    what.push("litebridge's capture triggers were changed or dropped (a table rebuild drops them)");
  const followed = changes.filter(isAddition).map((c) => c.message);
  return new BridgeError('BAD_STATE', `the SQLite schema changed while sync ran: ${what.join('; ')}`, {
    details: { changes: what, ...(followed.length > 0 ? { additions: followed } : {}) },
    hint:
      'PostgreSQL cannot follow these changes on its own: for a dropped, renamed, retyped or rebuilt table, column ' +
      'or index, run `litebridge snapshot --replace`, then `litebridge sync`',
  });
}

/** Refuses a rollback-journal file: live capture needs readers and the writer side by side. */
function requireWal(db: SqliteDatabase, path: string): void {
  const mode = journalMode(db);
  if (mode !== 'wal') {
    throw new BridgeError('BAD_STATE', `live sync needs the SQLite file in WAL mode; it is in ${mode} mode`, {
      hint: `stop the application for a moment and run: ${walSwitchCommand(path)}`,
    });
  }
}

/** The state of one sync run: checkpoint, counters, retry and prune timers. */
class SyncLoop {
  checkpoint: bigint;
  batches = 0;
  events = 0;
  #stopped = false;
  /** Ends a retry's wait early when sync is asked to stop. */
  #wake: (() => void) | null = null;
  #lastPrune = Date.now();
  #lastProgress = Date.now();
  #eventsSinceProgress = 0;
  #phase: PhaseWatch | null = null;
  /** Another connection's commit since the last read: the fast wake-up probe. */
  readonly versions: DataVersion;
  /** True once the phase left forward (cutover): forward stops, the caller turns to reverse. */
  switched = false;
  readonly switched$ = new Subject<void>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly pool: PgPool,
    private readonly config: Config,
    private readonly log: Logger,
    private tables: ReadonlyMap<string, ReplicatedTable>,
    private targets: ReadonlyMap<string, TargetTable>,
    start: bigint,
    private followed: { readonly fingerprint: string; readonly schemaVersion: number },
    private source: SourceSchema,
    private readonly asReplica: boolean,
    private readonly options: SyncOptions,
  ) {
    this.checkpoint = start;
    this.versions = new DataVersion(db);
  }

  /** No new batch starts after this; the one in flight still commits. */
  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  /** Reads and applies batches until the changelog is drained (or sync is stopping). */
  async drain(): Promise<void> {
    while (!this.#stopped) {
      if (await this.#leftForward()) break;
      if (captureFingerprint(this.db) !== this.followed.fingerprint) {
        // The cutover's fence and finish change the schema too: ask for the phase first.
        if (await this.#leftForward(true)) break;
        await this.#schemaChanged();
      }
      const batch = this.#read();
      // The schema moved after the check above: follow it before reading any row under it.
      if (batch === 'schema-changed') continue;
      if (batch === null) break;
      await this.#applyWithRetry(batch);
      if (batch.atHead) break;
    }
    await this.#maybePrune();
  }

  /** True (and forward stops) once the phase says sync no longer runs forward. */
  async #leftForward(fresh = false): Promise<boolean> {
    const phase = (this.#phase ??= new PhaseWatch(this.pool, this.config.sourceId));
    const current = await this.#retrying('reading the cutover phase', null, () => phase.current(fresh));
    if (current === null || directionOf(current) === 'forward') return false;
    this.log.info('the cutover switched to PostgreSQL: forward sync stops');
    this.switched = true;
    this.stop();
    this.switched$.next();
    return true;
  }

  /**
   * The schema changed under sync: SQLite's whole schema now is compared with the one sync last
   * followed, so every change since is seen, however many arrived together. Tables, columns and
   * indexes the application added are followed: capture is installed on new tables first (under
   * the same write lock that read the schema), then PostgreSQL gains the columns, indexes and
   * tables (new tables copied after their capture was installed). Anything else (a table or
   * column dropped, renamed, retyped or redefined, a key or index changed, capture triggers
   * dropped by a table rebuild) stops sync naming every change: changes may have gone
   * uncaptured, and only the operator can say what PostgreSQL should do.
   */
  async #schemaChanged(): Promise<void> {
    let changes: SchemaChange[] = [];
    const followed = followSchema(
      this.db,
      (before) => {
        const source = introspect(this.db);
        changes = diffSchemas(this.source, source);
        const triggersKept = before.split(':')[1] === this.followed.fingerprint.split(':')[1];
        if (!triggersKept || !changes.every(isAddition)) throw unfollowable(changes, triggersKept);
        return { source, target: translate(source, this.config) };
      },
      { sourceId: this.config.sourceId },
    );
    this.followed = followed;
    this.source = followed.source;
    this.tables = pairTables(followed.source, followed.target);
    this.targets = new Map(followed.target.tables.map((t) => [t.source, t]));
    for (const change of changes) this.log.info({ change: change.message }, 'the SQLite schema changed');
    await reconcileTargets(
      this.db,
      this.pool,
      this.tables,
      this.targets,
      { sourceId: this.config.sourceId, seq: this.checkpoint },
      this.log,
      // A table new to sync that PostgreSQL already has was copied (by the snapshot sync started
      // with) before its capture: rows written in between are only in SQLite.
      new Set(changes.filter((c) => c.kind === 'table-added').map((c) => c.table)),
    );
  }

  #read(): ChangeBatch | null | 'schema-changed' {
    try {
      this.versions.mark();
      return readBatchAtSchema(
        this.db,
        this.checkpoint,
        this.tables,
        { maxEvents: this.options.maxEvents ?? 2_000 },
        this.followed.schemaVersion,
      );
    } catch (error) {
      throw fromSqliteError(error, 'reading the changelog failed');
    }
  }

  async #applyWithRetry(batch: ChangeBatch): Promise<void> {
    const applyMs = await this.#retrying('applying a batch failed', batch, async () => {
      const started = Date.now();
      await this.options.partitionKeeper?.beforeBatch(batch, this.targets); // partitions first, own transaction
      const client = await this.pool.connect();
      try {
        await applyBatch(
          client,
          batch,
          this.targets,
          { sourceId: this.config.sourceId },
          { onBadRow: this.config.onBadRow, asReplica: this.asReplica },
        );
      } finally {
        client.release();
      }
      return Date.now() - started;
    });
    if (applyMs !== null) this.#applied(batch, applyMs);
  }

  /**
   * Runs one PostgreSQL step until it succeeds: a retriable failure (PostgreSQL restarting or
   * unreachable, a serialization failure) waits with exponential backoff and tries again, anything
   * else stops sync. Once sync is stopping, a failure is not retried: it is reported as the
   * `TARGET` error it is, naming the changes `batch` left unapplied. Null: the batch waited on the
   * cutover's locks and the phase has moved on (forward stops; nothing to apply).
   */
  async #retrying<T>(context: string, batch: ChangeBatch | null, step: () => Promise<T>): Promise<T | null> {
    let wait = RETRY_FIRST_MS;
    for (;;) {
      try {
        return await step();
      } catch (error) {
        const bridge = fromPgError(error, context);
        // A batch that waited on the cutover's locks finds the checkpoint moved by the switch.
        if (
          batch !== null &&
          bridge.code === 'BAD_STATE' &&
          (await this.#leftForward(true).catch(() => false))
        )
          return null;
        await recordSyncError(this.pool, this.config.sourceId, bridge.message).catch(() => undefined);
        if (!bridge.retriable) throw bridge;
        if (this.#stopped) throw stoppedUnapplied(bridge, batch, this.checkpoint);
        this.log.warn(
          {
            err: bridge.message,
            retryInMs: wait,
            ...(batch === null ? {} : { upTo: batch.upTo.toString() }),
          },
          'PostgreSQL step failed, retrying',
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = null;
        wait = Math.min(wait * 2, RETRY_MAX_MS);
      }
    }
  }

  #applied(batch: ChangeBatch, applyMs: number): void {
    this.checkpoint = batch.upTo;
    this.batches += 1;
    this.events += batch.events;
    this.#eventsSinceProgress += batch.events;
    const stats: BatchStats = {
      upTo: batch.upTo,
      events: batch.events,
      keys: batch.changes.length,
      lagMs: Date.now() - batch.lastAt,
      applyMs,
    };
    this.options.onBatch?.(stats);
    const metrics = this.options.metrics;
    if (metrics !== undefined) {
      metrics.checkpoint.set(Number(batch.upTo));
      metrics.lagMs.set(stats.lagMs);
      metrics.events.inc(batch.events);
      metrics.batches.inc();
    }
    this.log.debug({ ...stats, upTo: stats.upTo.toString() }, 'batch applied');
    const now = Date.now();
    if (now - this.#lastProgress >= PROGRESS_EVERY_MS) {
      const seconds = (now - this.#lastProgress) / 1000;
      this.log.info(
        {
          checkpoint: batch.upTo.toString(),
          eventsPerSecond: Math.round(this.#eventsSinceProgress / seconds),
          lagMs: stats.lagMs,
        },
        'sync progress',
      );
      this.#lastProgress = now;
      this.#eventsSinceProgress = 0;
    }
  }

  /** Deletes applied changelog rows, up to the checkpoint PostgreSQL has committed. */
  async #maybePrune(): Promise<void> {
    if (Date.now() - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = Date.now();
    try {
      // The checkpoint, held back while a cutover needs the keys changed since its drift check.
      const committed = await pruneBound(this.pool, this.config.sourceId);
      if (committed === null) return;
      const deleted = pruneChangelog(this.db, committed, { batch: 5_000 });
      if (deleted > 0) this.log.debug({ deleted, upTo: committed.toString() }, 'changelog pruned');
    } catch (error) {
      // Housekeeping only: the rows stay until the next prune; sync goes on.
      this.log.warn({ err: (error as Error).message }, 'changelog not pruned this time');
    }
  }
}

/**
 * PostgreSQL failed while sync was stopping: nothing is lost (the checkpoint did not move, the
 * changelog keeps the events), but sync did not stop cleanly and says so.
 */
function stoppedUnapplied(cause: BridgeError, batch: ChangeBatch | null, checkpoint: bigint): BridgeError {
  const what = batch === null ? '' : `; changes ${batch.after + 1n}..${batch.upTo} were not applied`;
  return new BridgeError('TARGET', `PostgreSQL failed while sync was stopping${what}: ${cause.message}`, {
    retriable: true,
    cause,
    details: { ...cause.details, checkpoint: checkpoint.toString() },
    hint: 'nothing is lost: the next `litebridge sync` applies the changes after the checkpoint; see why PostgreSQL stopped (its log)',
  });
}

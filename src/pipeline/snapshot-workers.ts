/**
 * The copy workers of one snapshot, from start to stop. One object owns their lifecycle, so the
 * snapshot run has one place to close them whichever step it reached: starting (modules load,
 * the file opens) while PostgreSQL is prepared, pinned to the main thread's read snapshot,
 * released after the copy (they wind down while the foreign keys are built), closed.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { CopyProgress } from '../log/progress.js';
import type { ReplicatedTable } from '../schema/replicated.js';
import { openSqlite, type SqliteDatabase } from '../sqlite/open.js';
import type { ReadSnapshot } from '../sqlite/snapshot-read.js';
import type { RangeCopier } from './copy-all.js';
import { type CopyTableOptions, copyTable } from './copy-table.js';
import { CopyWorkers, copyWorkerScript } from './copy-workers.js';

/** Below this file size one thread reads fast enough: no copy workers (`--workers` overrides). */
const WORKERS_FROM_BYTES = 64 * 1024 * 1024;

/** What starting the copy workers needs. */
export interface WorkersStart {
  readonly config: Config;
  readonly tables: readonly ReplicatedTable[];
  /** Session settings of the workers' PostgreSQL connections. */
  readonly settings: Readonly<Record<string, string>>;
  readonly progress: CopyProgress;
  readonly log: Logger;
}

/** The read snapshot pinned for the copy. */
export interface PinnedSnapshot {
  /** Copy worker threads used (0: this thread reads everything). */
  readonly count: number;
  /** How long the application's writers were held to pin it (ms; null without workers). */
  readonly writeLockMs: number | null;
}

/**
 * The copy workers of one snapshot run: `start` → `pin` → `copier` → `release`, and `close`,
 * the one close path, safe after any of them (and before `start`).
 */
export class SnapshotWorkers {
  /** The workers starting or started (null: none are used). */
  #started: Promise<CopyWorkers | null> = Promise.resolve(null);
  /** The workers whose read transactions were pinned (null: this thread copies alone). */
  #pinned: CopyWorkers | null = null;
  #stopped: Promise<void> | null = null;

  /** Starts the workers in the background (none for a small file, see `startWorkers`). */
  start(start: WorkersStart): void {
    this.#started = startWorkers(start);
    // Awaited by `pin`, or by `close` when an earlier step fails: never an unhandled rejection.
    this.#started.catch(() => undefined);
  }

  /**
   * Waits for the workers to be started, then begins the read transaction of `snapshot` (this
   * thread's) and of every worker at the same commit (see `beginEverywhere`).
   */
  async pin(path: string, snapshot: ReadSnapshot, log: Logger): Promise<PinnedSnapshot> {
    const workers = await this.#started;
    const pinned = await beginEverywhere(path, snapshot, workers, log);
    this.#pinned = pinned.workers;
    return { count: pinned.workers?.size ?? 0, writeLockMs: pinned.writeLockMs };
  }

  /** How each key range is copied: on the pinned workers, or in this thread with `local`. */
  copier(local: CopyTableOptions): RangeCopier {
    const threads = this.#pinned;
    return threads === null
      ? (_table, reader, range, pageRows) => copyTable(reader, local, range, pageRows)
      : (table, _reader, range, pageRows) => threads.run(table, range, pageRows);
  }

  /** Lets the threads wind down (their read transactions end at once) without waiting. */
  release(): void {
    this.#pinned = null;
    this.#stopped ??= this.#stop();
    this.#stopped.catch(() => undefined); // awaited by `close`
  }

  /** Stops the workers, whichever step was reached, and waits until every thread has exited. */
  close(): Promise<void> {
    this.release();
    return this.#stopped!;
  }

  async #stop(): Promise<void> {
    // A start that failed has nothing left running (CopyWorkers.start closes what it started).
    const workers = await this.#started.catch(() => null);
    await workers?.close();
  }
}

/**
 * Starts the copy workers: `config.workers` of them, or by default one per core (at most
 * `parallel`) for files of 64 MiB and more. None when the build's worker script is missing.
 */
async function startWorkers(start: WorkersStart): Promise<CopyWorkers | null> {
  const { config, log } = start;
  const auto =
    statSync(config.sqlitePath).size >= WORKERS_FROM_BYTES
      ? Math.min(availableParallelism(), config.parallel)
      : 0;
  const count = config.workers ?? auto;
  if (count === 0) return null;
  const script = copyWorkerScript();
  if (script === null) {
    log.warn('copy worker script not found (run `npm run build`): copying in one thread');
    return null;
  }
  return CopyWorkers.start(
    script,
    count,
    {
      sqlitePath: config.sqlitePath,
      pgUrl: config.pgUrl,
      settings: start.settings,
      sourceId: config.sourceId,
      onBadRow: config.onBadRow,
      connections: Math.ceil(config.parallel / count) + 1,
      tables: start.tables,
    },
    start.progress,
  );
}

/**
 * Starts the read transaction of this thread and of every worker at the same commit: a
 * separate connection holds SQLite's write lock (BEGIN IMMEDIATE: the application's writers
 * wait, for milliseconds) while the transactions start. When the lock cannot be had (a
 * read-only file, a writer holding it past busy_timeout), the workers are stopped and this
 * thread copies alone, in its one transaction.
 */
async function beginEverywhere(
  path: string,
  snapshot: ReadSnapshot,
  workers: CopyWorkers | null,
  log: Logger,
): Promise<{ workers: CopyWorkers | null; writeLockMs: number | null }> {
  if (workers === null) {
    snapshot.begin();
    return { workers: null, writeLockMs: null };
  }
  let fence: SqliteDatabase;
  try {
    fence = openSqlite(path);
    fence.exec('BEGIN IMMEDIATE');
  } catch (error) {
    log.warn(
      { reason: (error as Error).message },
      'cannot pin one snapshot for copy workers: copying in one thread',
    );
    await workers.close();
    snapshot.begin();
    return { workers: null, writeLockMs: null };
  }
  const held = Date.now();
  try {
    snapshot.begin();
    await workers.begin();
  } finally {
    fence.exec('ROLLBACK');
    fence.close();
  }
  const writeLockMs = Date.now() - held;
  log.info({ writeLockMs, workers: workers.size }, 'snapshot pinned for copy workers');
  return { workers, writeLockMs };
}

/**
 * Forward sync (SQLite → PostgreSQL), the operator's steps in order: capture installed, a
 * snapshot when PostgreSQL has no usable one, tables added meanwhile reconciled, then changes
 * streamed (with the drift observer beside) until sync is stopped or the cutover switches.
 */
import type { Observable } from 'rxjs';
import type { Config } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { canApplyAsReplica, readCheckpoint } from '../pg/checkpoint.js';
import { ensureMetadata, readSource } from '../pg/metadata.js';
import { createPool, ping } from '../pg/pool.js';
import { checkSourceOwner } from '../pg/source-owner.js';
import { captureState } from '../sqlite/capture.js';
import { journalMode, openSqlite, type SqliteDatabase, walSwitchCommand } from '../sqlite/open.js';
import { DriftObserver } from '../verify/observer.js';
import { captureAndFollow, reconcileAdded } from './schema-follow.js';
import { runSnapshot } from './snapshot.js';
import { SyncLoop } from './sync-loop.js';
import type { ForwardSides, SyncOptions, SyncResult } from './sync-options.js';

/** What a forward run did; `switched` when it ended because the phase left forward. */
export interface ForwardResult extends SyncResult {
  readonly switched: boolean;
}

/** Forward sync until stopped or until the phase leaves forward (`switched`). */
export async function runForward(
  config: Config,
  log: Logger,
  options: SyncOptions,
  stop$: Observable<void>,
): Promise<ForwardResult> {
  const db = openSqlite(config.sqlitePath);
  const pool = createPool(config.pgUrl, { max: 2, applicationName: 'litebridge sync' });
  const sides: ForwardSides = { db, pool, config, log };
  try {
    requireWal(db, config.sqlitePath);
    const captured = captureState(db).installed;
    const followed = captureAndFollow(sides);
    await ping(pool);
    await ensureMetadata(pool);
    const snapshotted = await snapshotUnlessUsable(sides, captured);
    const start = await startingCheckpoint(sides);
    if (!snapshotted) await reconcileAdded(sides, followed, start);
    const asReplica = await warnUnlessReplica(sides);
    const loop = new SyncLoop({ ...sides, options, asReplica, followed, start });
    await streamUntilStopped(sides, options, loop, stop$);
    const { checkpoint, batches, events } = loop.progress;
    return { checkpoint: checkpoint.toString(), batches, events, snapshotted, switched: loop.switched };
  } finally {
    db.close();
    await pool.end();
  }
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

/**
 * Snapshots when PostgreSQL has no finished snapshot of this file taken with capture on (changes
 * since then would be unknown); true when it did. `captured`: capture was installed before this run.
 */
async function snapshotUnlessUsable(sides: ForwardSides, captured: boolean): Promise<boolean> {
  const { pool, config, log } = sides;
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
  if (reason === null) return false;
  log.info({ reason }, 'snapshotting');
  await runSnapshot(config, log, { replaceSourceTables: true });
  return true;
}

/** PostgreSQL's checkpoint for this source: where streaming starts. */
async function startingCheckpoint({ pool, config }: ForwardSides): Promise<bigint> {
  const start = await readCheckpoint(pool, config.sourceId);
  if (start === null) {
    throw new BridgeError('BAD_STATE', `source "${config.sourceId}" has a snapshot but no checkpoint`, {
      hint: 'run `litebridge snapshot --replace` again with capture installed',
    });
  }
  return start;
}

/** Whether batches may be applied as a replica; warns when foreign keys will be enforced. */
async function warnUnlessReplica({ pool, log }: ForwardSides): Promise<boolean> {
  const asReplica = await canApplyAsReplica(pool);
  if (!asReplica) {
    log.warn(
      'foreign keys are enforced on applied rows: a row that references a parent SQLite does not have will stop sync',
    );
  }
  return asReplica;
}

/** Streams changes with the drift observer running beside, until stopped or switched. */
async function streamUntilStopped(
  { config, log }: ForwardSides,
  options: SyncOptions,
  loop: SyncLoop,
  stop$: Observable<void>,
): Promise<void> {
  const observer =
    options.drift === undefined
      ? null
      : new DriftObserver(config, log, {
          ...options.drift,
          ...(options.metrics ? { metrics: options.metrics } : {}),
        });
  observer?.start();
  const checking = options.checkNow$?.subscribe(() => observer?.checkNow());
  log.info({ checkpoint: loop.progress.checkpoint.toString() }, 'streaming changes');
  try {
    await loop.run(stop$);
  } finally {
    checking?.unsubscribe();
    await observer?.stop();
  }
}

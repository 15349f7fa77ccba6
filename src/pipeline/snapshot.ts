import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Config } from '../config/config.js';
import { BridgeError, fromPgError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { CopyProgress } from '../log/progress.js';
import type { SourceTable } from '../model/source-schema.js';
import type { SchemaNote, TargetSchema, TargetTable } from '../model/target-schema.js';
import type { DanglingForeignKey } from '../pg/dangling-rows.js';
import { ensureMetadata, markSnapshotDone, markSnapshotStarted, readSource } from '../pg/metadata.js';
import { readPhase } from '../pg/phase-store.js';
import { createPool, inTransaction, type PgPool, ping } from '../pg/pool.js';
import { existingTables } from '../pg/target-tables.js';
import { createSchemaSql, createTableSql, partitionSql, qualified } from '../schema/ddl.js';
import { introspect } from '../schema/introspect.js';
import { translate } from '../schema/translate.js';
import { journalMode, openSqlite, type SqliteDatabase, walSwitchCommand } from '../sqlite/open.js';
import {
  autoincrementHighWater,
  ReadSnapshot,
  type TableReader,
  tableReader,
} from '../sqlite/snapshot-read.js';
import { copyAll, ROWS_PER_RANGE } from './copy-all.js';
import type { CopyTableResult } from './copy-table.js';
import { copyTable } from './copy-table.js';
import { CopyWorkers, copyWorkerScript } from './copy-workers.js';
import { SnapshotForeignKeys } from './foreign-keys.js';
import { snapshotPartitionRange } from './partition-bounds.js';
import { ProgressRecorder } from './progress-recorder.js';
import { checkSourceOwner } from './source-owner.js';

export interface SnapshotResult {
  readonly sourceId: string;
  /** Changelog position of the snapshot (null when capture is not installed). */
  readonly snapshotSeq: string | null;
  readonly journalMode: string;
  /** Copy worker threads used (0: this thread read everything). */
  readonly workers: number;
  /** How long the application's writers were held to pin one snapshot for the workers (ms). */
  readonly writeLockMs: number | null;
  readonly serverVersion: string;
  readonly tables: readonly CopyTableResult[];
  readonly rows: number;
  readonly rejected: number;
  readonly dangling: readonly DanglingForeignKey[];
  readonly notes: readonly SchemaNote[];
  /** Copy phase: data, primary keys, indexes and checks of every table (they overlap). */
  readonly copyMs: number;
  readonly ms: number;
}

export interface SnapshotOptions {
  /** Where the status line goes; null forces log records (default: stderr when it is a terminal). */
  readonly tty?: NodeJS.WriteStream | null;
  /** Tables this source's earlier snapshot created may be replaced (sync re-snapshotting). */
  readonly replaceSourceTables?: boolean;
  /** Rows per key range of a large table (default ROWS_PER_RANGE; tests cut small tables). */
  readonly rowsPerRange?: number;
}

/**
 * The one-shot copy: translate the schema, create the tables, stream every table through COPY
 * inside ONE SQLite read transaction (recording the changelog head in it), then build keys,
 * indexes, checks and foreign keys, and set identities past their max.
 */
export async function runSnapshot(
  config: Config,
  log: Logger,
  options: SnapshotOptions = {},
): Promise<SnapshotResult> {
  const started = Date.now();
  const db = openSqlite(config.sqlitePath);
  const pool = createPool(config.pgUrl, {
    max: config.parallel + 1,
    settings: BULK_SETTINGS,
    applicationName: 'litebridge snapshot',
  });
  const progress = new CopyProgress(log.child({ component: 'snapshot' }), { tty: options.tty });
  const snapshot = new ReadSnapshot(db);
  /** Writes the copy's progress for `status`, from the moment the snapshot is marked started. */
  let recorder: ProgressRecorder | null = null;
  let workers: CopyWorkers | null = null;
  /** Workers closing after the copy, awaited after the foreign keys (or in `finally`). */
  let closing: Promise<void> | null = null;
  /** Workers starting (loading modules, opening the file) while PostgreSQL is prepared. */
  let starting: Promise<CopyWorkers | null> | null = null;
  try {
    const mode = journalMode(db);
    if (mode !== 'wal') {
      log.warn(
        { journalMode: mode, fix: walSwitchCommand(config.sqlitePath) },
        "the SQLite file is not in WAL mode: the application's writers wait until the copy ends",
      );
    }
    const source = introspect(db);
    const target = translate(source, config);
    for (const note of target.notes) log[note.level === 'info' ? 'info' : 'warn'](note, 'schema');
    const tables = target.tables.map((t) => ({
      source: source.tables.find((s) => s.name === t.source)!,
      target: t,
    }));
    starting = startWorkers(config, tables, progress, log);
    starting.catch(() => undefined); // awaited below, or closed in `finally` when preparing fails
    const serverVersion = await ping(pool);
    await ensureMetadata(pool);
    await refuseNonEmptyTarget(pool, config, target, options.replaceSourceTables === true);
    await markSnapshotStarted(pool, {
      sourceId: config.sourceId,
      sqlitePath: config.sqlitePath,
      targetSchema: target.schema,
      tables: Object.fromEntries(target.tables.map((t) => [t.source, t.name])),
    });
    recorder = new ProgressRecorder(config.pgUrl, config.sourceId, progress, log);

    workers = await starting;
    starting = null;
    const pinned = await beginEverywhere(config.sqlitePath, snapshot, workers, log);
    workers = pinned.workers;
    const workerCount = pinned.count;
    const head = snapshot.changelogHead();
    const highWater = autoincrementHighWater(db);
    const readers = tables.map((t) => tableReader(db, t.source, t.target));
    await createTables(pool, db, target, readers);
    log.info(
      { tables: readers.length, snapshotSeq: head?.toString() ?? null, parallel: config.parallel },
      'copying',
    );

    const copyStarted = Date.now();
    const local = { pool, sourceId: config.sourceId, onBadRow: config.onBadRow, progress, log };
    const threads = workers;
    const foreignKeys = new SnapshotForeignKeys(pool, target.tables, log);
    const copy = await copyAll(readers, config.parallel, {
      pool,
      progress,
      autoincrement: highWater,
      rowsPerRange: options.rowsPerRange ?? ROWS_PER_RANGE,
      tableKeyed: (table) => foreignKeys.tableKeyed(table),
      copy:
        threads === null
          ? (_table, reader, range) => copyTable(reader, local, range)
          : (table, _reader, range) => threads.run(table, range),
    });
    const copied = [...copy.tables];
    snapshot.end();
    // The threads wind down (read transactions end at once) while the foreign keys are built.
    closing = workers?.close() ?? null;
    closing?.catch(() => undefined); // awaited below: no unhandled rejection meanwhile
    workers = null;
    progress.close();
    await recorder.stop();
    const copiedAt = Date.now();

    log.info('building the remaining foreign keys');
    const rowsByTable = new Map(copied.map((t) => [t.target, t.rows]));
    const post = await foreignKeys.finish(config.parallel, rowsByTable);
    await closing;
    closing = null;
    await markSnapshotDone(pool, config.sourceId, head);
    const result: SnapshotResult = {
      sourceId: config.sourceId,
      snapshotSeq: head === null ? null : head.toString(),
      journalMode: mode,
      workers: workerCount,
      writeLockMs: pinned.writeLockMs,
      serverVersion,
      tables: copied.sort((a, b) => a.table.localeCompare(b.table)),
      rows: copied.reduce((n, t) => n + t.rows, 0),
      rejected: copied.reduce((n, t) => n + t.rejected, 0),
      dangling: post.dangling,
      notes: [...target.notes, ...copy.notes, ...post.notes],
      copyMs: copiedAt - copyStarted,
      ms: Date.now() - started,
    };
    log.info({ rows: result.rows, rejected: result.rejected, ms: result.ms }, 'snapshot done');
    return result;
  } finally {
    progress.close();
    await recorder?.stop();
    if (starting !== null)
      await starting.then(
        (started) => started?.close(),
        () => undefined,
      );
    await workers?.close();
    await closing?.catch(() => undefined);
    snapshot.end();
    db.close();
    await pool.end();
  }
}

/**
 * Refuses to overwrite data: target tables that hold rows are dropped only with --replace, or
 * when they were left by a snapshot of this source that did not finish.
 */
async function refuseNonEmptyTarget(
  pool: PgPool,
  config: Config,
  target: TargetSchema,
  replaceSourceTables: boolean,
): Promise<void> {
  const existing = await existingTables(pool, target.tables);
  const record = await readSource(pool, config.sourceId);
  checkSourceOwner(record, config);
  const phase = record === null ? 'forward' : await readPhase(pool, config.sourceId);
  if (phase === 'cutover' || phase === 'finished') {
    // PostgreSQL is the primary now: a copy from SQLite would overwrite what the application wrote there.
    throw new BridgeError(
      'BAD_STATE',
      `source "${config.sourceId}" was cut over to PostgreSQL (phase ${phase}): a snapshot would overwrite it`,
      {
        hint:
          phase === 'cutover'
            ? 'run `litebridge rollback` first to make SQLite the primary again'
            : 'use another --source-id to start a new migration',
      },
    );
  }
  const unfinished =
    record !== null &&
    (record.snapshotState === 'copying' || replaceSourceTables) &&
    record.targetSchema === target.schema;
  const full = existing.filter((e) => e.hasRows && !(unfinished && e.table.source in record.tables));
  if (full.length > 0 && !config.replace) {
    throw new BridgeError(
      'BAD_STATE',
      `the target already holds rows in ${full.map((e) => `${e.table.schema}.${e.table.name}`).join(', ')}`,
      { hint: 'run again with --replace to drop and re-create those tables, or choose another --schema' },
    );
  }
}

/** Drops what the copy replaces and creates schema, tables and partitions in one transaction. */
async function createTables(
  pool: PgPool,
  db: SqliteDatabase,
  target: TargetSchema,
  readers: readonly TableReader[],
): Promise<void> {
  const statements: string[] = [createSchemaSql(target.schema)];
  for (const reader of readers) {
    const table = reader.target;
    statements.push(`DROP TABLE IF EXISTS ${qualified(table.schema, table.name)} CASCADE`);
    statements.push(createTableSql(table));
    if (table.partitioning !== null) {
      const { from: first, to: last } = snapshotPartitionRange(db, reader.source, table);
      statements.push(...partitionSql(table, first, last));
    }
  }
  try {
    await inTransaction(pool, async (client) => {
      for (const sql of statements) await client.query(sql);
    });
  } catch (error) {
    throw fromPgError(error, 'cannot create the target tables');
  }
}

/** Settings of every snapshot session: a bulk load needs no synchronous commit or timeout. */
export const BULK_SETTINGS = {
  synchronous_commit: 'off',
  statement_timeout: '0',
  maintenance_work_mem: '256MB',
};

/** Below this file size one thread reads fast enough: no copy workers (`--workers` overrides). */
const WORKERS_FROM_BYTES = 64 * 1024 * 1024;

/**
 * Starts the copy workers: `config.workers` of them, or by default one per core (at most
 * `parallel`) for files of 64 MiB and more. None when the build's worker script is missing.
 */
async function startWorkers(
  config: Config,
  tables: readonly { readonly source: SourceTable; readonly target: TargetTable }[],
  progress: CopyProgress,
  log: Logger,
): Promise<CopyWorkers | null> {
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
      settings: BULK_SETTINGS,
      sourceId: config.sourceId,
      onBadRow: config.onBadRow,
      connections: Math.ceil(config.parallel / count) + 1,
      tables,
    },
    progress,
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
): Promise<{ workers: CopyWorkers | null; count: number; writeLockMs: number | null }> {
  if (workers === null) {
    snapshot.begin();
    return { workers: null, count: 0, writeLockMs: null };
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
    return { workers: null, count: 0, writeLockMs: null };
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
  return { workers, count: workers.size, writeLockMs };
}

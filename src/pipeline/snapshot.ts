import type { Config } from '../config/config.js';
import { BridgeError, fromPgError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { CopyProgress } from '../log/progress.js';
import type { SchemaNote, TargetSchema } from '../model/target-schema.js';
import type { DanglingForeignKey } from '../pg/dangling-rows.js';
import { ensureMetadata, markSnapshotDone, markSnapshotStarted, readSource } from '../pg/metadata.js';
import { readPhase } from '../pg/phase-store.js';
import { createPool, inTransaction, type PgPool, ping } from '../pg/pool.js';
import { SnapshotForeignKeys } from '../pg/snapshot-foreign-keys.js';
import { checkSourceOwner } from '../pg/source-owner.js';
import { existingTables } from '../pg/target-tables.js';
import { createSchemaSql, createTableSql, partitionSql, qualified } from '../schema/ddl.js';
import { introspect } from '../schema/introspect.js';
import type { ReplicatedTable } from '../schema/replicated.js';
import { translate } from '../schema/translate.js';
import { journalMode, openSqlite, type SqliteDatabase, walSwitchCommand } from '../sqlite/open.js';
import { snapshotPartitionRange } from '../sqlite/partition-bounds.js';
import {
  autoincrementHighWater,
  ReadSnapshot,
  type TableReader,
  tableReader,
} from '../sqlite/snapshot-read.js';
import { type CopyAllResult, copyAll, ROWS_PER_RANGE } from './copy-all.js';
import type { CopyTableResult } from './copy-table.js';
import { ProgressRecorder } from './progress-recorder.js';
import { SnapshotWorkers } from './snapshot-workers.js';

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
  const run = new SnapshotRun(config, log, options);
  try {
    const mode = warnUnlessWal(run);
    const { target, tables } = translateSource(run);
    // The workers start (load modules, open the file) while PostgreSQL is prepared.
    run.workers.start({ config, tables, settings: BULK_SETTINGS, progress: run.progress, log });
    const serverVersion = await prepareTarget(run, target);
    run.recordProgress();
    const pinned = await run.workers.pin(config.sqlitePath, run.snapshot, log);
    const head = run.snapshot.changelogHead();
    const copy = await copyTables(run, target, tables, head);
    await run.endCopy();
    const copyMs = Date.now() - copy.started;

    log.info('building the remaining foreign keys');
    const rowsByTable = new Map(copy.tables.map((t) => [t.target, t.rows]));
    const post = await copy.foreignKeys.finish(config.parallel, rowsByTable);
    await run.workers.close();
    await markSnapshotDone(run.pool, config.sourceId, head);
    const copied = [...copy.tables].sort((a, b) => a.table.localeCompare(b.table));
    const result: SnapshotResult = {
      sourceId: config.sourceId,
      snapshotSeq: head === null ? null : head.toString(),
      journalMode: mode,
      workers: pinned.count,
      writeLockMs: pinned.writeLockMs,
      serverVersion,
      tables: copied,
      rows: copied.reduce((n, t) => n + t.rows, 0),
      rejected: copied.reduce((n, t) => n + t.rejected, 0),
      dangling: post.dangling,
      notes: [...target.notes, ...copy.notes, ...post.notes],
      copyMs,
      ms: Date.now() - started,
    };
    log.info({ rows: result.rows, rejected: result.rejected, ms: result.ms }, 'snapshot done');
    return result;
  } finally {
    await run.close();
  }
}

/**
 * What one snapshot run holds open: the SQLite file and its read snapshot, the pool, the
 * progress line and its recorder, the copy workers. `close` releases all of it, whichever
 * step the run reached.
 */
class SnapshotRun {
  readonly db: SqliteDatabase;
  readonly snapshot: ReadSnapshot;
  readonly pool: PgPool;
  readonly progress: CopyProgress;
  readonly workers = new SnapshotWorkers();
  /** Writes the copy's progress for `status`, from the moment the snapshot is marked started. */
  #recorder: ProgressRecorder | null = null;

  constructor(
    readonly config: Config,
    readonly log: Logger,
    readonly options: SnapshotOptions,
  ) {
    this.db = openSqlite(config.sqlitePath);
    this.snapshot = new ReadSnapshot(this.db);
    this.pool = createPool(config.pgUrl, {
      max: config.parallel + 1,
      settings: BULK_SETTINGS,
      applicationName: 'litebridge snapshot',
    });
    this.progress = new CopyProgress(log.child({ component: 'snapshot' }), { tty: options.tty });
  }

  /** Starts writing the copy's progress to PostgreSQL (for `status`). */
  recordProgress(): void {
    this.#recorder = new ProgressRecorder(this.config.pgUrl, this.config.sourceId, this.progress, this.log);
  }

  /** After the copy: ends the read snapshot, lets the workers wind down, writes the last progress. */
  async endCopy(): Promise<void> {
    this.snapshot.end();
    this.workers.release();
    this.progress.close();
    await this.#recorder?.stop();
  }

  /** Releases everything the run holds (each step is idempotent). */
  async close(): Promise<void> {
    this.progress.close();
    await this.#recorder?.stop();
    await this.workers.close();
    this.snapshot.end();
    this.db.close();
    await this.pool.end();
  }
}

/** The file's journal mode; warns when it is not WAL (the application's writers would wait). */
function warnUnlessWal({ db, config, log }: SnapshotRun): string {
  const mode = journalMode(db);
  if (mode !== 'wal') {
    log.warn(
      { journalMode: mode, fix: walSwitchCommand(config.sqlitePath) },
      "the SQLite file is not in WAL mode: the application's writers wait until the copy ends",
    );
  }
  return mode;
}

/** Introspects and translates the SQLite schema, logging its notes; tables in target order. */
function translateSource({ db, config, log }: SnapshotRun): {
  target: TargetSchema;
  tables: ReplicatedTable[];
} {
  const source = introspect(db);
  const target = translate(source, config);
  for (const note of target.notes) log[note.level === 'info' ? 'info' : 'warn'](note, 'schema');
  const tables = target.tables.map((t) => ({
    source: source.tables.find((s) => s.name === t.source)!,
    target: t,
  }));
  return { target, tables };
}

/**
 * Checks the server and what it holds, then marks the snapshot started (its tables may be
 * replaced if it does not finish). Returns the server version.
 */
async function prepareTarget({ pool, config, options }: SnapshotRun, target: TargetSchema): Promise<string> {
  const serverVersion = await ping(pool);
  await ensureMetadata(pool);
  await refuseNonEmptyTarget(pool, config, target, options.replaceSourceTables === true);
  await markSnapshotStarted(pool, {
    sourceId: config.sourceId,
    sqlitePath: config.sqlitePath,
    targetSchema: target.schema,
    tables: Object.fromEntries(target.tables.map((t) => [t.source, t.name])),
  });
  return serverVersion;
}

/**
 * In the pinned read snapshot: creates the tables and copies every one of them (keys, indexes
 * and checks built as each ends, foreign keys as their tables are keyed).
 */
async function copyTables(
  run: SnapshotRun,
  target: TargetSchema,
  tables: readonly ReplicatedTable[],
  head: bigint | null,
): Promise<CopyAllResult & { readonly started: number; readonly foreignKeys: SnapshotForeignKeys }> {
  const { db, pool, config, log, progress } = run;
  const highWater = autoincrementHighWater(db);
  const readers = tables.map((t) => tableReader(db, t.source, t.target));
  await createTables(pool, db, target, readers);
  log.info(
    { tables: readers.length, snapshotSeq: head?.toString() ?? null, parallel: config.parallel },
    'copying',
  );
  const started = Date.now();
  const local = { pool, sourceId: config.sourceId, onBadRow: config.onBadRow, progress, log };
  const foreignKeys = new SnapshotForeignKeys(pool, target.tables, log);
  const copy = await copyAll(readers, config.parallel, {
    pool,
    progress,
    autoincrement: highWater,
    rowsPerRange: run.options.rowsPerRange ?? ROWS_PER_RANGE,
    tableKeyed: (table) => foreignKeys.tableKeyed(table),
    copy: run.workers.copier(local),
  });
  return { ...copy, started, foreignKeys };
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

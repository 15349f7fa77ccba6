import { defer, from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import type { Config } from '../config/config.js';
import { BridgeError, fromPgError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { CopyProgress } from '../log/progress.js';
import type { SchemaNote, TargetSchema } from '../model/target-schema.js';
import { ensureMetadata, markSnapshotDone, markSnapshotStarted, readSource } from '../pg/metadata.js';
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
import { type CopyTableResult, copyTable } from './copy-table.js';
import { partitionBounds } from './partition-bounds.js';
import { buildPostData, type DanglingForeignKey } from './post-data.js';

export interface SnapshotResult {
  readonly sourceId: string;
  /** Changelog position of the snapshot (null when capture is not installed). */
  readonly snapshotSeq: string | null;
  readonly journalMode: string;
  readonly serverVersion: string;
  readonly tables: readonly CopyTableResult[];
  readonly rows: number;
  readonly rejected: number;
  readonly dangling: readonly DanglingForeignKey[];
  readonly notes: readonly SchemaNote[];
  readonly ms: number;
}

export interface SnapshotOptions {
  /** Where the status line goes; null forces log records (default: stderr when it is a terminal). */
  readonly tty?: NodeJS.WriteStream | null;
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
    settings: [
      'SET synchronous_commit = off',
      'SET statement_timeout = 0',
      "SET maintenance_work_mem = '256MB'",
    ],
    applicationName: 'litebridge snapshot',
  });
  const progress = new CopyProgress(log.child({ component: 'snapshot' }), { tty: options.tty });
  const snapshot = new ReadSnapshot(db);
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
    const serverVersion = await ping(pool);
    await ensureMetadata(pool);
    await refuseNonEmptyTarget(pool, config, target);
    await markSnapshotStarted(pool, {
      sourceId: config.sourceId,
      sqlitePath: config.sqlitePath,
      targetSchema: target.schema,
      tables: Object.fromEntries(target.tables.map((t) => [t.source, t.name])),
    });

    snapshot.begin();
    const head = snapshot.changelogHead();
    const highWater = autoincrementHighWater(db);
    const readers = target.tables.map((t) =>
      tableReader(db, source.tables.find((s) => s.name === t.source)!, t),
    );
    await createTables(pool, db, target, readers);
    log.info(
      { tables: readers.length, snapshotSeq: head?.toString() ?? null, parallel: config.parallel },
      'copying',
    );

    const bySize = readers
      .map((reader) => ({ reader, rows: reader.count() }))
      .sort((a, b) => b.rows - a.rows)
      .map((r) => r.reader);
    const copied = await lastValueFrom(
      from(bySize).pipe(
        mergeMap(
          (reader) =>
            defer(() =>
              copyTable(reader, {
                pool,
                sourceId: config.sourceId,
                onBadRow: config.onBadRow,
                progress,
                log,
              }),
            ),
          config.parallel,
        ),
        toArray(),
      ),
      { defaultValue: [] as CopyTableResult[] },
    );
    snapshot.end();
    progress.close();

    log.info('building primary keys, indexes, checks and foreign keys');
    const post = await buildPostData(pool, target.tables, highWater, config.parallel, log);
    await markSnapshotDone(pool, config.sourceId, head);
    const result: SnapshotResult = {
      sourceId: config.sourceId,
      snapshotSeq: head === null ? null : head.toString(),
      journalMode: mode,
      serverVersion,
      tables: copied.sort((a, b) => a.table.localeCompare(b.table)),
      rows: copied.reduce((n, t) => n + t.rows, 0),
      rejected: copied.reduce((n, t) => n + t.rejected, 0),
      dangling: post.dangling,
      notes: [...target.notes, ...post.notes],
      ms: Date.now() - started,
    };
    log.info({ rows: result.rows, rejected: result.rejected, ms: result.ms }, 'snapshot done');
    return result;
  } finally {
    progress.close();
    snapshot.end();
    db.close();
    await pool.end();
  }
}

/**
 * Refuses to overwrite data: target tables that hold rows are dropped only with --replace, or
 * when they were left by a snapshot of this source that did not finish.
 */
async function refuseNonEmptyTarget(pool: PgPool, config: Config, target: TargetSchema): Promise<void> {
  const existing = await existingTables(pool, target.tables);
  const record = await readSource(pool, config.sourceId);
  const unfinished =
    record !== null && record.snapshotState === 'copying' && record.targetSchema === target.schema;
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
      const { from: first, to: last } = partitionBounds(db, reader.source, table);
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

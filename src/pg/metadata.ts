import type { RawValue } from '../codec/raw-value.js';
import { fromPgError } from '../errors.js';
import { readSqlFile } from '../package-files.js';
import type { PgClient, PgPool } from './pool.js';

/** A pool or a client: anything that runs a query. */
export type Queryable = PgPool | PgClient;

/** Creates schema `litebridge` and its tables if missing (idempotent). */
export async function ensureMetadata(db: Queryable): Promise<void> {
  try {
    await db.query(readSqlFile('pg/metadata.sql'));
  } catch (error) {
    throw fromPgError(error, 'cannot create litebridge\'s metadata schema "litebridge"');
  }
}

/** What PostgreSQL remembers of one source. */
export interface SourceRecord {
  readonly sourceId: string;
  readonly sqlitePath: string;
  readonly targetSchema: string;
  readonly snapshotState: 'copying' | 'done';
  readonly snapshotSeq: bigint | null;
  readonly checkpointSeq: bigint | null;
  readonly tables: Readonly<Record<string, string>>;
}

/** The source's record, or null when no snapshot was ever started for it. */
export async function readSource(db: Queryable, sourceId: string): Promise<SourceRecord | null> {
  const result = await db.query(
    `SELECT source_id, sqlite_path, target_schema, snapshot_state, snapshot_seq::text, checkpoint_seq::text, tables
       FROM litebridge.sources WHERE source_id = $1`,
    [sourceId],
  );
  const row = result.rows[0];
  if (row === undefined) return null;
  return {
    sourceId: row.source_id,
    sqlitePath: row.sqlite_path,
    targetSchema: row.target_schema,
    snapshotState: row.snapshot_state,
    snapshotSeq: row.snapshot_seq === null ? null : BigInt(row.snapshot_seq),
    checkpointSeq: row.checkpoint_seq === null ? null : BigInt(row.checkpoint_seq),
    tables: row.tables,
  };
}

/** Marks a snapshot as started: its tables may be replaced until it is marked done. */
export async function markSnapshotStarted(
  db: Queryable,
  record: Pick<SourceRecord, 'sourceId' | 'sqlitePath' | 'targetSchema' | 'tables'>,
): Promise<void> {
  await db.query(
    `INSERT INTO litebridge.sources (source_id, sqlite_path, target_schema, snapshot_state, tables)
     VALUES ($1, $2, $3, 'copying', $4)
     ON CONFLICT (source_id) DO UPDATE SET sqlite_path = excluded.sqlite_path,
       target_schema = excluded.target_schema, snapshot_state = 'copying', snapshot_seq = NULL,
       checkpoint_seq = NULL, snapshot_started_at = now(), snapshot_finished_at = NULL, tables = excluded.tables,
       applied_at = NULL, last_event_at = NULL, last_error = NULL, last_error_at = NULL`,
    [record.sourceId, record.sqlitePath, record.targetSchema, JSON.stringify(record.tables)],
  );
  await db.query('DELETE FROM litebridge.rejects WHERE source_id = $1', [record.sourceId]);
  await db.query('DELETE FROM litebridge.drift WHERE source_id = $1', [record.sourceId]);
  await db.query('DELETE FROM litebridge.snapshot_progress WHERE source_id = $1', [record.sourceId]);
}

/**
 * Marks the snapshot done at changelog position `seq` (null without capture). The checkpoint
 * starts at the snapshot point: streaming resumes after it.
 */
export async function markSnapshotDone(db: Queryable, sourceId: string, seq: bigint | null): Promise<void> {
  await db.query(
    `UPDATE litebridge.sources SET snapshot_state = 'done', snapshot_seq = $2, checkpoint_seq = $2,
       snapshot_finished_at = now() WHERE source_id = $1`,
    [sourceId, seq === null ? null : seq.toString()],
  );
}

/** One row PostgreSQL could not take, kept with its raw values. */
export interface Reject {
  readonly table: string;
  readonly key: Readonly<Record<string, RawValue>>;
  readonly column: string | null;
  readonly value: string | null;
  readonly reason: string;
  readonly row: Readonly<Record<string, RawValue>>;
}

/** Stores quarantined rows in `litebridge.rejects` (one multi-row insert). */
export async function insertRejects(
  db: Queryable,
  sourceId: string,
  rejects: readonly Reject[],
): Promise<void> {
  if (rejects.length === 0) return;
  await db.query(
    `INSERT INTO litebridge.rejects (source_id, table_name, row_key, column_name, value, reason, raw_row)
     SELECT $1, t, k::jsonb, c, v, r, w::jsonb
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS x(t, k, c, v, r, w)`,
    [
      sourceId,
      rejects.map((r) => r.table),
      rejects.map((r) => JSON.stringify(r.key)),
      rejects.map((r) => r.column),
      rejects.map((r) => r.value),
      rejects.map((r) => r.reason),
      rejects.map((r) => JSON.stringify(r.row)),
    ],
  );
}

/**
 * Whether `litebridge.<table>` exists: commands that only read (drift-report, status) work on a
 * database litebridge has not set up yet, or set up by an older version, without creating anything.
 */
export async function metadataTableExists(
  db: Queryable,
  table: 'sources' | 'rejects' | 'drift' | 'snapshot_progress',
): Promise<boolean> {
  const result = await db.query('SELECT to_regclass($1) IS NOT NULL AS e', [`litebridge.${table}`]);
  return result.rows[0].e === true;
}

/** Quarantined rows per SQLite table name. */
export async function countRejects(db: Queryable, sourceId: string): Promise<Map<string, number>> {
  if (!(await metadataTableExists(db, 'rejects'))) return new Map();
  const result = await db.query(
    'SELECT table_name, count(*)::int AS n FROM litebridge.rejects WHERE source_id = $1 GROUP BY table_name',
    [sourceId],
  );
  return new Map(result.rows.map((r) => [r.table_name as string, r.n as number]));
}

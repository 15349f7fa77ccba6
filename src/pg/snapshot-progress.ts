/**
 * The snapshot's progress in `litebridge.snapshot_progress`: written every few seconds by the
 * process that copies, read by `status` and the metrics of any other process. A table in
 * PostgreSQL rather than `pg_stat_progress_copy`: the total (rows at the snapshot point) is known
 * only to the copier, several COPY streams share a table, and the record outlives the COPY
 * sessions (a snapshot that died shows where it stopped, and since when).
 */
import { metadataTableExists, type Queryable } from './metadata.js';

/** One table's copy as the copier counts it. */
export interface TableCopyProgress {
  /** SQLite table name. */
  readonly table: string;
  readonly rowsCopied: number;
  /** Rows in the table at the snapshot point. */
  readonly rowsTotal: number;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

/** Writes (upserts) the progress of every table of the source's snapshot. */
export async function recordSnapshotProgress(
  db: Queryable,
  sourceId: string,
  tables: readonly TableCopyProgress[],
): Promise<void> {
  if (tables.length === 0) return;
  await db.query(
    `INSERT INTO litebridge.snapshot_progress
            (source_id, table_name, rows_copied, rows_total, started_at, finished_at, updated_at)
     SELECT $1, t, c, n, s, f, now()
       FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::timestamptz[]) AS x(t, c, n, s, f)
     ON CONFLICT (source_id, table_name) DO UPDATE SET rows_copied = excluded.rows_copied,
       rows_total = excluded.rows_total, started_at = excluded.started_at,
       finished_at = excluded.finished_at, updated_at = excluded.updated_at`,
    [
      sourceId,
      tables.map((t) => t.table),
      tables.map((t) => t.rowsCopied),
      tables.map((t) => t.rowsTotal),
      tables.map((t) => t.startedAt),
      tables.map((t) => t.finishedAt),
    ],
  );
}

/** The source's snapshot progress as last recorded: per table, and when it was written. */
export interface SnapshotProgressRecord {
  readonly tables: readonly TableCopyProgress[];
  /** When the copier last wrote it. */
  readonly updatedAt: Date;
}

/** The last recorded progress of the source's snapshot, or null when none was recorded. */
export async function readSnapshotProgress(
  db: Queryable,
  sourceId: string,
): Promise<SnapshotProgressRecord | null> {
  if (!(await metadataTableExists(db, 'snapshot_progress'))) return null;
  const result = await db.query(
    `SELECT table_name, rows_copied::float8 AS copied, rows_total::float8 AS total, started_at,
            finished_at, updated_at
       FROM litebridge.snapshot_progress WHERE source_id = $1 ORDER BY table_name`,
    [sourceId],
  );
  if (result.rows.length === 0) return null;
  return {
    tables: result.rows.map((r) => ({
      table: r.table_name,
      rowsCopied: r.copied,
      rowsTotal: r.total,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    })),
    updatedAt: new Date(Math.max(...result.rows.map((r) => (r.updated_at as Date).getTime()))),
  };
}

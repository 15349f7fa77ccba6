/** The drift observer's findings per table in `litebridge.drift` (written by sync, read by status). */
import { metadataTableExists, type Queryable } from './metadata.js';

/** One table's latest drift findings. */
export interface DriftFindings {
  readonly table: string;
  readonly checkedAt: Date;
  readonly chunksChecked: number;
  readonly chunksTotal: number;
  readonly missing: number;
  readonly extra: number;
  readonly different: number;
  readonly inFlight: number;
  /** Up to 20 differing keys as the operator reads them. */
  readonly sample: readonly string[];
}

/** Replaces the findings of one table. */
export async function recordDrift(db: Queryable, sourceId: string, f: DriftFindings): Promise<void> {
  await db.query(
    `INSERT INTO litebridge.drift (source_id, table_name, checked_at, chunks_checked, chunks_total, missing, extra, different, in_flight, sample)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (source_id, table_name) DO UPDATE SET checked_at = EXCLUDED.checked_at,
       chunks_checked = EXCLUDED.chunks_checked, chunks_total = EXCLUDED.chunks_total,
       missing = EXCLUDED.missing, extra = EXCLUDED.extra, different = EXCLUDED.different,
       in_flight = EXCLUDED.in_flight, sample = EXCLUDED.sample`,
    [
      sourceId,
      f.table,
      f.checkedAt,
      f.chunksChecked,
      f.chunksTotal,
      f.missing,
      f.extra,
      f.different,
      f.inFlight,
      JSON.stringify(f.sample.slice(0, 20)),
    ],
  );
}

/** Every table's latest findings for a source (empty before the first check). */
export async function readDrift(db: Queryable, sourceId: string): Promise<DriftFindings[]> {
  if (!(await metadataTableExists(db, 'drift'))) return [];
  const r = await db.query(
    `SELECT table_name, checked_at, chunks_checked, chunks_total, missing, extra, different, in_flight, sample
     FROM litebridge.drift WHERE source_id = $1 ORDER BY table_name`,
    [sourceId],
  );
  return r.rows.map((row) => ({
    table: row.table_name as string,
    checkedAt: row.checked_at as Date,
    chunksChecked: row.chunks_checked as number,
    chunksTotal: row.chunks_total as number,
    missing: row.missing as number,
    extra: row.extra as number,
    different: row.different as number,
    inFlight: row.in_flight as number,
    sample: row.sample as string[],
  }));
}

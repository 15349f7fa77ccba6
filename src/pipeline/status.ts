import type { Config } from '../config/config.js';
import { readSyncProgress } from '../pg/checkpoint.js';
import { type DriftFindings, readDrift } from '../pg/drift-state.js';
import { readSource } from '../pg/metadata.js';
import { createPool } from '../pg/pool.js';
import { captureState } from '../sqlite/capture.js';
import { backlogAfter, changelogHead } from '../sqlite/changelog.js';
import { openSqlite } from '../sqlite/open.js';

/** What `litebridge status` reports for one source. */
export interface SyncStatus {
  readonly sourceId: string;
  /** 'none' before any snapshot; 'copying' while (or after a failed) snapshot; 'done' after. */
  readonly snapshot: 'none' | 'copying' | 'done';
  readonly captureInstalled: boolean;
  /** Last changelog seq applied to PostgreSQL (committed with the data). */
  readonly checkpoint: string | null;
  /** Last changelog seq written by the capture triggers. */
  readonly head: string;
  /** Events captured but not yet applied. */
  readonly backlog: number;
  /** Age of the oldest event not yet applied (ms); 0 when nothing waits. */
  readonly lagMs: number;
  readonly appliedAt: string | null;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  /** The drift observer's latest findings per table (empty until sync has checked). */
  readonly drift: readonly DriftFindings[];
}

/** Reads both sides (SQLite read-only) and says how far PostgreSQL is behind. */
export async function readStatus(config: Config): Promise<SyncStatus> {
  const db = openSqlite(config.sqlitePath, { readonly: true });
  const pool = createPool(config.pgUrl, { max: 1, applicationName: 'litebridge status' });
  try {
    const capture = captureState(db);
    const record = await readSource(pool, config.sourceId).catch(() => null);
    const progress = record === null ? null : await readSyncProgress(pool, config.sourceId);
    const head = capture.installed ? changelogHead(db) : 0n;
    const checkpoint = progress?.checkpointSeq ?? null;
    const backlog =
      capture.installed && checkpoint !== null ? backlogAfter(db, checkpoint) : { events: 0, oldestAt: null };
    return {
      sourceId: config.sourceId,
      snapshot: record === null ? 'none' : record.snapshotState,
      captureInstalled: capture.installed,
      checkpoint: checkpoint === null ? null : checkpoint.toString(),
      head: head.toString(),
      backlog: backlog.events,
      lagMs: backlog.oldestAt === null ? 0 : Math.max(0, Date.now() - backlog.oldestAt),
      appliedAt: progress?.appliedAt?.toISOString() ?? null,
      lastError: progress?.lastError ?? null,
      lastErrorAt: progress?.lastErrorAt?.toISOString() ?? null,
      drift: record === null ? [] : await readDrift(pool, config.sourceId),
    };
  } finally {
    db.close();
    await pool.end();
  }
}

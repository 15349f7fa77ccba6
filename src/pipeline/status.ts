import type { Config } from '../config/config.js';
import { readSyncProgress } from '../pg/checkpoint.js';
import { type DriftFindings, readDrift } from '../pg/drift-state.js';
import { readSource } from '../pg/metadata.js';
import { type Phase, readCutoverRecord } from '../pg/phase-store.js';
import { createPool } from '../pg/pool.js';
import { type SlotStatus, slotStatus } from '../pg/replication.js';
import { captureState } from '../sqlite/capture.js';
import { backlogAfter, changelogHead } from '../sqlite/changelog.js';
import { fenceState } from '../sqlite/fence.js';
import { openSqlite } from '../sqlite/open.js';
import { readReverseLsn } from '../sqlite/reverse-apply.js';

/** What `litebridge status` reports for one source. */
export interface SyncStatus {
  readonly sourceId: string;
  /** 'none' before any snapshot; 'copying' while (or after a failed) snapshot; 'done' after. */
  readonly snapshot: 'none' | 'copying' | 'done';
  readonly captureInstalled: boolean;
  /** Last changelog seq applied to PostgreSQL (committed with the data). */
  readonly checkpoint: string | null;
  /** Last changelog seq written by the capture triggers; null when the file has no capture (e.g. after finish). */
  readonly head: string | null;
  /** Events captured but not yet applied. */
  readonly backlog: number;
  /** Age of the oldest event not yet applied (ms); 0 when nothing waits. */
  readonly lagMs: number;
  readonly appliedAt: string | null;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  /** The drift observer's latest findings per table (empty until sync has checked). */
  readonly drift: readonly DriftFindings[];
  /** Cutover phase: forward, cutover (reverse replication), rolled-back (forward again), finished. */
  readonly phase: Phase;
  /** When the switch committed, and its fence window (ms). */
  readonly cutoverAt: string | null;
  readonly fenceMs: number | null;
  /** The write fence is up in the SQLite file. */
  readonly fenced: boolean;
  /** Reverse replication's position stored in SQLite (after cutover). */
  readonly reverseLsn: string | null;
  /** The reverse slot: lag, retained WAL and a warning before it fills the disk or is lost. */
  readonly slot: SlotStatus | null;
}

/** Options of `readStatus`. */
export interface StatusOptions {
  /** Retained WAL above which the slot warns when max_slot_wal_keep_size is unlimited (bytes). */
  readonly retainedWarnBytes?: bigint;
}

/** Reads both sides (SQLite read-only) and says how far PostgreSQL is behind. */
export async function readStatus(config: Config, options: StatusOptions = {}): Promise<SyncStatus> {
  const db = openSqlite(config.sqlitePath, { readonly: true });
  const pool = createPool(config.pgUrl, { max: 1, applicationName: 'litebridge status' });
  try {
    const capture = captureState(db);
    const record = await readSource(pool, config.sourceId).catch(() => null);
    const progress = record === null ? null : await readSyncProgress(pool, config.sourceId);
    const head = capture.installed ? changelogHead(db) : 0n;
    const checkpoint = progress?.checkpointSeq ?? null;
    const cutover = record === null ? null : await readCutoverRecord(pool, config.sourceId);
    const slot =
      record === null
        ? null
        : await slotStatus(pool, config.sourceId, options.retainedWarnBytes).catch(() => null);
    const backlog =
      capture.installed && checkpoint !== null ? backlogAfter(db, checkpoint) : { events: 0, oldestAt: null };
    return {
      sourceId: config.sourceId,
      snapshot: record === null ? 'none' : record.snapshotState,
      captureInstalled: capture.installed,
      checkpoint: checkpoint === null ? null : checkpoint.toString(),
      head: capture.installed ? head.toString() : null,
      backlog: backlog.events,
      lagMs: backlog.oldestAt === null ? 0 : Math.max(0, Date.now() - backlog.oldestAt),
      appliedAt: progress?.appliedAt?.toISOString() ?? null,
      lastError: progress?.lastError ?? null,
      lastErrorAt: progress?.lastErrorAt?.toISOString() ?? null,
      drift: record === null ? [] : await readDrift(pool, config.sourceId),
      phase: cutover?.phase ?? 'forward',
      cutoverAt: cutover?.cutoverAt?.toISOString() ?? null,
      fenceMs: cutover?.fenceMs ?? null,
      fenced: fenceState(db).installed,
      reverseLsn: readReverseLsn(db),
      slot,
    };
  } finally {
    db.close();
    await pool.end();
  }
}

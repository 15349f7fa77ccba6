import type { Config } from '../config/config.js';
import { redactUrl } from '../config/redact.js';
import { BridgeError, fromPgError, fromSqliteError } from '../errors.js';
import type { StatusSample } from '../log/metrics.js';
import { readSyncProgress } from '../pg/checkpoint.js';
import { type DriftFindings, readDrift } from '../pg/drift-state.js';
import { metadataTableExists, readSource } from '../pg/metadata.js';
import { type Phase, readCutoverRecord } from '../pg/phase-store.js';
import { createPool, type PgPool } from '../pg/pool.js';
import { type SlotStatus, slotStatus } from '../pg/replication.js';
import { readSnapshotProgress, type SnapshotProgressRecord } from '../pg/snapshot-progress.js';
import { captureState } from '../sqlite/capture.js';
import { backlogAfter, changelogHead } from '../sqlite/changelog.js';
import { fenceState } from '../sqlite/fence.js';
import { openSqlite, type SqliteDatabase } from '../sqlite/open.js';
import { readReverseLsn } from '../sqlite/reverse-apply.js';
import { partitionedTargets, partitionReport } from './partitions.js';

/** How far the snapshot's copy is, as the copying process last recorded it. */
export interface SnapshotProgress {
  readonly rowsCopied: number;
  /** Rows of every table at the snapshot point. */
  readonly rowsTotal: number;
  /** Seconds left at the rate so far (null until a rate is known). */
  readonly etaSeconds: number | null;
  /** When the copier last recorded it (every few seconds while it runs: older means it stopped). */
  readonly updatedAt: string;
  readonly tables: readonly {
    readonly table: string;
    readonly rowsCopied: number;
    readonly rowsTotal: number;
    readonly done: boolean;
  }[];
}

/** What `litebridge status` reports for one source. */
export interface SyncStatus {
  readonly sourceId: string;
  /** 'none' before any snapshot; 'copying' while (or after a failed) snapshot; 'done' after. */
  readonly snapshot: 'none' | 'copying' | 'done';
  /** While the snapshot copies: rows copied, total and ETA (null otherwise, or before its first record). */
  readonly snapshotProgress: SnapshotProgress | null;
  readonly captureInstalled: boolean;
  /** Last changelog seq applied to PostgreSQL (committed with the data). */
  readonly checkpoint: string | null;
  /** Last changelog seq written by the capture triggers; null when the file has no capture (e.g. after finish). */
  readonly head: string | null;
  /**
   * Events captured but not yet applied; null when unknown: before the snapshot is done (no
   * checkpoint yet), or without capture in the file.
   */
  readonly backlog: number | null;
  /** Age of the oldest event not yet applied (ms); 0 when nothing waits; null when the backlog is unknown. */
  readonly lagMs: number | null;
  /** Snapshot done, capture installed, backlog 0 and no sync error recorded: safe to cut over. */
  readonly caughtUp: boolean;
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
  /** Per partitioned table: horizon, DEFAULT rows and a warning (empty without partitioned tables). */
  readonly partitions: readonly PartitionStatus[];
}

/** A partitioned table in `status`. */
export interface PartitionStatus {
  readonly table: string;
  /** Intervals the newest partition reaches past now; null without partitions. */
  readonly horizonIntervals: number | null;
  readonly defaultRows: number;
  /** DEFAULT rows inside the partitioned range: they belong in a partition (`partitions --maintain`). */
  readonly defaultRowsInRange: number;
  /** Set when the horizon is below one interval or rows inside the range reached DEFAULT. */
  readonly warning: string | null;
}

/** Options of `readStatus`. */
export interface StatusOptions {
  /** Retained WAL above which the slot warns when max_slot_wal_keep_size is unlimited (bytes). */
  readonly retainedWarnBytes?: bigint;
}

/**
 * Reads both sides (SQLite read-only) and says how far PostgreSQL is behind. Either side that
 * cannot be read is an error naming it (SOURCE, TARGET): status never shows a figure it did not
 * read.
 */
export async function readStatus(config: Config, options: StatusOptions = {}): Promise<SyncStatus> {
  const db = openSqlite(config.sqlitePath, { readonly: true });
  const pool = createPool(config.pgUrl, { max: 1, applicationName: 'litebridge status' });
  try {
    const sqlite = readSqliteSide(db, config.sqlitePath);
    const pg = await readPgSide(pool, config.sourceId, options).catch((error: unknown) => {
      throw unreadablePg(error, config.pgUrl);
    });
    const { record, progress } = pg;
    const checkpoint = progress?.checkpointSeq ?? null;
    const known = record?.snapshotState === 'done' && sqlite.captureInstalled && checkpoint !== null;
    let backlog: { events: number; oldestAt: number | null } | null = null;
    if (known) {
      try {
        backlog = backlogAfter(db, checkpoint);
      } catch (error) {
        throw fromSqliteError(error, `cannot read the changelog of SQLite file ${config.sqlitePath}`);
      }
    }
    const lastError = progress?.lastError ?? null;
    return {
      sourceId: config.sourceId,
      snapshot: record === null ? 'none' : record.snapshotState,
      snapshotProgress:
        record?.snapshotState === 'copying' && pg.copy !== null ? snapshotProgress(pg.copy) : null,
      captureInstalled: sqlite.captureInstalled,
      checkpoint: checkpoint === null ? null : checkpoint.toString(),
      head: sqlite.head === null ? null : sqlite.head.toString(),
      backlog: backlog === null ? null : backlog.events,
      lagMs:
        backlog === null ? null : backlog.oldestAt === null ? 0 : Math.max(0, Date.now() - backlog.oldestAt),
      caughtUp: backlog !== null && backlog.events === 0 && lastError === null,
      appliedAt: progress?.appliedAt?.toISOString() ?? null,
      lastError,
      lastErrorAt: progress?.lastErrorAt?.toISOString() ?? null,
      drift: pg.drift,
      phase: pg.cutover?.phase ?? 'forward',
      cutoverAt: pg.cutover?.cutoverAt?.toISOString() ?? null,
      fenceMs: pg.cutover?.fenceMs ?? null,
      fenced: sqlite.fenced,
      reverseLsn: sqlite.reverseLsn,
      slot: pg.slot,
      partitions: record === null ? [] : await partitionStatus(pool, config),
    };
  } finally {
    db.close();
    await pool.end();
  }
}

/** The partitioned tables' horizon and DEFAULT rows, with a warning where sync falls behind. */
async function partitionStatus(pool: PgPool, config: Config): Promise<PartitionStatus[]> {
  if (Object.keys(config.partitions).length === 0) return [];
  const report = await partitionReport(pool, partitionedTargets(config));
  return report
    .filter((t) => t.horizonIntervals !== null)
    .map((t) => ({
      table: t.table,
      horizonIntervals: t.horizonIntervals,
      defaultRows: t.defaultRows,
      defaultRowsInRange: t.defaultRowsInRange,
      warning:
        t.defaultRowsInRange > 0
          ? `${t.defaultRowsInRange} row(s) inside the partitioned range reached DEFAULT: run \`litebridge partitions --maintain\``
          : (t.horizonIntervals ?? 0) < 1
            ? `the newest partition reaches less than one ${t.interval} ahead: rows will reach DEFAULT`
            : null,
    }));
}

/** What status reads of the SQLite file. */
function readSqliteSide(db: SqliteDatabase, path: string) {
  try {
    const captureInstalled = captureState(db).installed;
    return {
      captureInstalled,
      head: captureInstalled ? changelogHead(db) : null,
      fenced: fenceState(db).installed,
      reverseLsn: readReverseLsn(db),
    };
  } catch (error) {
    throw fromSqliteError(error, `cannot read SQLite file ${path}`);
  }
}

/** What status reads of PostgreSQL: nothing of the source when litebridge never set it up there. */
async function readPgSide(pool: PgPool, sourceId: string, options: StatusOptions) {
  // Connects first: an unreachable server is an error, never "no snapshot".
  await pool.query('SELECT 1');
  const record = (await metadataTableExists(pool, 'sources')) ? await readSource(pool, sourceId) : null;
  if (record === null) {
    return { record, progress: null, cutover: null, slot: null, drift: [], copy: null } as const;
  }
  return {
    record,
    progress: await readSyncProgress(pool, sourceId),
    cutover: await readCutoverRecord(pool, sourceId),
    slot: await slotStatus(pool, sourceId, options.retainedWarnBytes),
    drift: await readDrift(pool, sourceId),
    copy: record.snapshotState === 'copying' ? await readSnapshotProgress(pool, sourceId) : null,
  } as const;
}

/** The TARGET error of a PostgreSQL status could not read: which server, and why. */
function unreadablePg(error: unknown, pgUrl: string): BridgeError {
  const where = pgUrl === '' ? 'PostgreSQL (from the PG* environment)' : `PostgreSQL at ${redactUrl(pgUrl)}`;
  const failure = fromPgError(error, `cannot read ${where}`);
  return new BridgeError('TARGET', failure.message, {
    cause: error,
    details: { ...failure.details, side: 'postgresql' },
    hint: 'check --pg (or DATABASE_URL) and that the server is up and accepts connections; status shows nothing it could not read',
  });
}

/** Rows copied, total and ETA from the copier's last record. */
function snapshotProgress(copy: SnapshotProgressRecord): SnapshotProgress {
  const rowsCopied = copy.tables.reduce((n, t) => n + t.rowsCopied, 0);
  const rowsTotal = copy.tables.reduce((n, t) => n + t.rowsTotal, 0);
  const starts = copy.tables.flatMap((t) => (t.startedAt === null ? [] : [t.startedAt.getTime()]));
  const seconds = starts.length === 0 ? 0 : (copy.updatedAt.getTime() - Math.min(...starts)) / 1000;
  const rate = seconds > 0 ? rowsCopied / seconds : 0;
  const sinceRecord = Math.max(0, (Date.now() - copy.updatedAt.getTime()) / 1000);
  return {
    rowsCopied,
    rowsTotal,
    etaSeconds: rate > 0 ? Math.max(0, Math.round((rowsTotal - rowsCopied) / rate - sinceRecord)) : null,
    updatedAt: copy.updatedAt.toISOString(),
    tables: copy.tables.map((t) => ({
      table: t.table,
      rowsCopied: t.rowsCopied,
      rowsTotal: t.rowsTotal,
      done: t.finishedAt !== null,
    })),
  };
}

/** Options of `waitSynced`. */
export interface WaitOptions extends StatusOptions {
  /** Give up after this long (ms). */
  readonly timeoutMs: number;
  /** Between two readings (ms; default 1000). */
  readonly everyMs?: number;
}

/**
 * Reads the status until it is caught up (`caughtUp`) or `timeoutMs` passes, and returns the
 * last reading with whether time ran out. A side that cannot be read ends the wait at once with
 * its error: a script must not mistake an unreachable server for "not caught up yet".
 */
export async function waitSynced(
  config: Config,
  options: WaitOptions,
): Promise<{ readonly status: SyncStatus; readonly timedOut: boolean }> {
  const end = Date.now() + options.timeoutMs;
  for (;;) {
    const status = await readStatus(config, options);
    if (status.caughtUp) return { status, timedOut: false };
    const left = end - Date.now();
    if (left <= 0) return { status, timedOut: true };
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, options.everyMs ?? 1000)));
  }
}

/** The figures of a status that the metrics show (`BridgeMetrics.readStatusWith`). */
export function statusSample(s: SyncStatus): StatusSample {
  const copying = s.snapshot !== 'done' && s.phase !== 'cutover' && s.phase !== 'finished';
  return {
    backlog: s.backlog,
    snapshotRowsCopied: s.snapshotProgress?.rowsCopied ?? null,
    snapshotRowsTotal: s.snapshotProgress?.rowsTotal ?? null,
    phase: copying ? 'snapshot' : s.phase,
    caughtUp: s.caughtUp,
    slot:
      s.slot === null
        ? null
        : {
            name: s.slot.slot,
            retainedBytes: s.slot.retainedBytes === null ? null : Number(s.slot.retainedBytes),
          },
    partitions: s.partitions,
  };
}

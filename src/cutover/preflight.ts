/**
 * The cutover's preflight: everything that can be known before the fence goes up, each failure
 * with the fix. Nothing here stops the application: only reads (and the drift check's reads).
 */

import { queriesCheck } from '../parity/queries-check.js';
import type { ParityQuery } from '../parity/queries-file.js';
import type { QueriesReport } from '../parity/query-report.js';
import { readSource, type SourceRecord } from '../pg/metadata.js';
import { type CutoverRecord, readCutoverRecord } from '../pg/phase-store.js';
import { resolveSlotName } from '../pg/replication.js';
import { qualified } from '../schema/ddl.js';
import { type CaptureState, captureState } from '../sqlite/capture.js';
import { backlogAfter } from '../sqlite/changelog.js';
import { journalMode, walSwitchCommand } from '../sqlite/open.js';
import type { CutoverContext } from './context.js';
import { checkDrift, type DriftCheck } from './drift.js';

/** One preflight check. */
export interface PreflightCheck {
  readonly name:
    | 'source'
    | 'capture'
    | 'backlog'
    | 'wal_level'
    | 'slots'
    | 'replication'
    | 'privileges'
    | 'drift'
    | 'queries';
  readonly ok: boolean;
  readonly detail: string;
  /** What to run or change when it failed. */
  readonly fix?: string;
}

/** Every check, and what they found. */
export interface Preflight {
  readonly ok: boolean;
  readonly checks: readonly PreflightCheck[];
  /** Changelog events not applied yet. */
  readonly backlog: number;
  /** A `litebridge sync` session is connected to this database. */
  readonly syncRunning: boolean;
  /** Null when the drift check was not run (an earlier check failed). */
  readonly drift: DriftCheck | null;
  /** The application's queries compared (`--queries`), or null. */
  readonly queries: QueriesReport | null;
}

export interface PreflightOptions {
  /** Most events sync may be behind (the fence drains them, so they lengthen it). */
  readonly maxBacklog: number;
  /** The drift check's baseline (the caller holds back pruning after it); null: skip the drift check. */
  readonly driftSince: bigint | null;
  /** The application's queries to compare on both sides (one more check), when given. */
  readonly queries?: readonly ParityQuery[];
}

/** Runs every check; the drift check only when the source, capture and backlog checks pass. */
export async function runPreflight(ctx: CutoverContext, options: PreflightOptions): Promise<Preflight> {
  const { db, pool, config } = ctx;
  const checks: PreflightCheck[] = [];
  const add = (c: PreflightCheck) => checks.push(c);
  const record = await readSource(pool, config.sourceId);
  add(sourceCheck(config.sourceId, record, await readCutoverRecord(pool, config.sourceId)));
  const capture = captureState(db);
  add(captureCheck(ctx, capture));
  const backlog = capture.installed ? backlogAfter(db, record?.checkpointSeq ?? 0n).events : 0;
  const syncRunning = await isSyncRunning(ctx);
  add(backlogCheck({ backlog, syncRunning, maxBacklog: options.maxBacklog }));
  await replicationChecks(ctx, add);
  let drift: DriftCheck | null = null;
  if (options.driftSince !== null && checks.every((c) => c.ok || SERVER_CHECKS.has(c.name))) {
    drift = await checkDrift(ctx, options.driftSince);
    add(driftCheck(drift));
  }
  let queries: QueriesReport | null = null;
  if (options.queries !== undefined) {
    const { report, ...check } = await queriesCheck(ctx, options.queries);
    queries = report;
    add({ name: 'queries', ...check });
  }
  return { ok: checks.every((c) => c.ok), checks, backlog, syncRunning, drift, queries };
}

/** Checks about the server's setup: the drift check runs even when these fail. */
const SERVER_CHECKS: ReadonlySet<PreflightCheck['name']> = new Set([
  'wal_level',
  'slots',
  'replication',
  'privileges',
]);

/** The source is snapshotted, has a checkpoint, and is in the forward (or rolled-back) phase. */
function sourceCheck(
  sourceId: string,
  record: SourceRecord | null,
  cutover: CutoverRecord | null,
): PreflightCheck {
  const sourceOk = record !== null && record.snapshotState === 'done' && record.checkpointSeq !== null;
  return {
    name: 'source',
    ok: sourceOk && (cutover?.phase === 'forward' || cutover?.phase === 'rolled-back'),
    detail:
      record === null
        ? `PostgreSQL has no record of source "${sourceId}"`
        : !sourceOk
          ? `the snapshot of "${sourceId}" is ${record.snapshotState}, checkpoint ${record.checkpointSeq ?? 'none'}`
          : `phase ${cutover?.phase}, checkpoint ${record.checkpointSeq}`,
    fix: sourceOk
      ? 'run `litebridge status`: the source is not in the forward phase'
      : 'run `litebridge sync` and let it finish its snapshot',
  };
}

/** Capture is installed and on, and the SQLite file is in WAL mode. */
function captureCheck(ctx: CutoverContext, capture: CaptureState): PreflightCheck {
  const wal = journalMode(ctx.db) === 'wal';
  return {
    name: 'capture',
    ok: capture.installed && capture.enabled && wal,
    detail: !wal
      ? 'the SQLite file is not in WAL mode'
      : capture.installed
        ? `capture installed (${capture.triggers} triggers), ${capture.enabled ? 'on' : 'muted'}`
        : 'change capture is not installed',
    fix: wal ? 'run `litebridge sync`, which installs capture' : walSwitchCommand(ctx.config.sqlitePath),
  };
}

/** Whether a `litebridge sync` session is connected to this database. */
async function isSyncRunning(ctx: CutoverContext): Promise<boolean> {
  const sessions = await ctx.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'litebridge sync'",
  );
  return (sessions.rows[0]?.n ?? 0) > 0;
}

/** Sync is at most `maxBacklog` events behind (the fence drains them, so they lengthen it). */
function backlogCheck(found: {
  readonly backlog: number;
  readonly syncRunning: boolean;
  readonly maxBacklog: number;
}): PreflightCheck {
  const { backlog, syncRunning, maxBacklog } = found;
  return {
    name: 'backlog',
    ok: backlog <= maxBacklog,
    detail: `${backlog} events not applied yet (at most ${maxBacklog}); sync ${syncRunning ? 'is' : 'is not'} running`,
    fix: syncRunning
      ? 'wait until `litebridge status` shows a small backlog, or raise --max-backlog'
      : 'start `litebridge sync` and wait until `litebridge status` shows a small backlog',
  };
}

/** The drift check found both sides equal. */
function driftCheck(drift: DriftCheck): PreflightCheck {
  const drifted = drift.tables.filter((t) => t.drifted > 0);
  return {
    name: 'drift',
    ok: drift.equal,
    detail: drift.equal
      ? `equal (${drift.tables.reduce((n, t) => n + t.inFlight, 0)} keys in flight, checked again in the fence)`
      : `drift in ${drifted.map((t) => `${t.table} (${t.drifted} rows, e.g. ${t.sample[0] ?? 'quarantined'})`).join(', ')}`,
    fix: 'run `litebridge verify` to see the rows; repair them (drift-report) or snapshot again, then retry',
  };
}

/** What the replication checks read from the server in one query. */
interface ReplicationSettings {
  readonly wal_level: string;
  readonly max_slots: number;
  readonly used_slots: number;
  readonly ours: boolean;
  readonly max_senders: number;
  readonly used_senders: number;
  readonly role: string;
  readonly can_replicate: boolean;
  readonly can_create: boolean;
}

/** wal_level, a free slot and walsender, REPLICATION, and the privileges the switch needs. */
async function replicationChecks(ctx: CutoverContext, add: (c: PreflightCheck) => void): Promise<void> {
  const { pool, config } = ctx;
  const slot = await resolveSlotName(pool, config.sourceId);
  const settings = await pool.query<ReplicationSettings>(
    `SELECT current_setting('wal_level') AS wal_level,
            current_setting('max_replication_slots')::int AS max_slots,
            (SELECT count(*)::int FROM pg_replication_slots) AS used_slots,
            EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()) AS ours,
            current_setting('max_wal_senders')::int AS max_senders,
            (SELECT count(*)::int FROM pg_stat_replication) AS used_senders,
            current_user AS role,
            (SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user) AS can_replicate,
            has_database_privilege(current_database(), 'CREATE') AS can_create`,
    [slot],
  );
  const s = settings.rows[0]!;
  add({
    name: 'wal_level',
    ok: s.wal_level === 'logical',
    detail: `wal_level is ${s.wal_level}`,
    fix: 'run `ALTER SYSTEM SET wal_level = logical` as a superuser and restart PostgreSQL',
  });
  add(slotsCheck(s, slot));
  add({
    name: 'replication',
    ok: s.can_replicate === true,
    detail: `role ${s.role} ${s.can_replicate ? 'may' : 'may not'} stream replication`,
    fix: `run \`ALTER ROLE "${s.role}" REPLICATION\` as a superuser (and allow replication connections for it in pg_hba.conf)`,
  });
  add(await privilegesCheck(ctx, s));
}

/** A free replication slot (or the source's own) and a free WAL sender. */
function slotsCheck(s: ReplicationSettings, slot: string): PreflightCheck {
  const freeSlots = s.max_slots - s.used_slots;
  const freeSenders = s.max_senders - s.used_senders;
  return {
    name: 'slots',
    ok: (s.ours || freeSlots > 0) && freeSenders > 0,
    detail: `${s.ours ? `slot ${slot} exists` : `${freeSlots} of ${s.max_slots} replication slots free`}; ${freeSenders} of ${s.max_senders} WAL senders free`,
    fix:
      freeSenders > 0
        ? "raise max_replication_slots (`ALTER SYSTEM SET max_replication_slots = …`, then restart), or drop a slot nothing needs any more (list them: `SELECT slot_name, database, active FROM pg_replication_slots`); a litebridge_… slot of another database or source is another migration's way back: leave it"
        : 'raise max_wal_senders (`ALTER SYSTEM SET max_wal_senders = …`, then restart)',
  };
}

/** CREATE on the database (the publication) and ownership of every target table. */
async function privilegesCheck(ctx: CutoverContext, s: ReplicationSettings): Promise<PreflightCheck> {
  const notOwned: string[] = [];
  for (const t of ctx.targets.values()) {
    const owned = await ctx.pool.query<{ ok: boolean | null }>(
      "SELECT pg_has_role(current_user, c.relowner, 'USAGE') AS ok FROM pg_class c WHERE c.oid = to_regclass($1)",
      [qualified(t.schema, t.name)],
    );
    if (owned.rows[0]?.ok !== true) notOwned.push(`${t.schema}.${t.name}`);
  }
  return {
    name: 'privileges',
    ok: s.can_create && notOwned.length === 0,
    detail:
      [
        s.can_create ? null : `role ${s.role} may not create a publication in this database`,
        notOwned.length === 0 ? null : `role ${s.role} does not own ${notOwned.slice(0, 5).join(', ')}`,
      ]
        .filter((x) => x !== null)
        .join('; ') || 'CREATE on the database, owner of every target table',
    fix: `run \`GRANT CREATE ON DATABASE … TO "${s.role}"\` and \`ALTER TABLE … OWNER TO "${s.role}"\` (publications, locks, setval and VALIDATE need them)`,
  };
}

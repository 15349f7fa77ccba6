/**
 * One maintenance pass on a range-partitioned table, safe while an application writes it:
 *
 * - a missing partition is created as a standalone table (`LIKE` the parent, indexes included),
 *   the DEFAULT partition's rows of its range are moved into it, a CHECK proves its bound, and it
 *   is attached, all in ONE transaction per partition (so no row is ever missing from or doubled
 *   in the parent, and PostgreSQL's scan of DEFAULT at ATTACH finds none of the new range).
 *   ATTACH takes only SHARE UPDATE EXCLUSIVE on the parent (reads and writes go on) and ACCESS
 *   EXCLUSIVE on the new table and on DEFAULT, from ATTACH to the commit right after it: the
 *   indexes and the CHECK spare it any work but the scan of DEFAULT;
 * - retention detaches partitions older than the configured number of intervals (the tables stay);
 * - every statement runs under `lock_timeout` (`LOCK_TIMEOUT_MS`): a statement that would queue
 *   behind a long transaction gives up instead of making the application's statements queue
 *   behind it, and the transaction is retried after a pause. A writer therefore waits on
 *   maintenance at most `LOCK_TIMEOUT_MS` plus the instant the catalog change and the scan of
 *   DEFAULT (outliers only) take.
 *
 * The move runs in a session whose replication origin is `MAINTENANCE_ORIGIN` when the role may
 * set one: reverse replication skips those transactions, so SQLite never sees the move as deletes.
 */
import { BridgeError, fromPgError } from '../errors.js';
import type { TargetTable } from '../model/target-schema.js';
import { readSqlFile } from '../package-files.js';
import { qualified } from '../schema/ddl.js';
import { suffixedName } from '../schema/names.js';
import {
  boundLiteral,
  nextPartitionStart,
  partitionColumnType,
  partitionName,
  partitionStart,
} from '../schema/partition-names.js';
import { quoteIdent } from '../schema/quote.js';
import { type PartitionLayout, readPartitionLayout } from './partition-catalog.js';
import type { PgClient, PgPool } from './pool.js';

/** How long one maintenance statement may wait for a lock before it gives up and retries. */
export const LOCK_TIMEOUT_MS = 200;

/** Attempts per partition before the pass stops with an error. */
export const LOCK_ATTEMPTS = 30;

/** SQLSTATEs worth another attempt: a lock timeout, the origin busy in another maintenance session. */
const RETRIED = new Set(['55P03', '55006']);

/** The replication origin of maintenance sessions: reverse replication skips its transactions. */
export const MAINTENANCE_ORIGIN = 'litebridge_partition_maintenance';

/** What one pass did to one table. */
export interface MaintenanceResult {
  readonly created: readonly string[];
  readonly moved: number;
  readonly detached: readonly string[];
}

/** Options of one pass. */
export interface MaintenanceOptions {
  /** Partitions are created (contiguously) until this bound is covered (exclusive). */
  readonly upTo: Date;
  /** Detach partitions that ended at or before this instant (null: no retention). */
  readonly detachBefore: Date | null;
  /** Milliseconds to wait before retrying a lock timeout (tests shorten it). */
  readonly retryPauseMs?: number;
}

/** Creates `litebridge.partition_maintenance` if missing. */
export async function ensureMaintenanceRecord(db: PgPool | PgClient): Promise<void> {
  try {
    // A role that may not create schemas (a cron job's) finds the table made by an earlier run.
    const exists = await db.query<{ ok: boolean }>(
      `SELECT to_regclass('litebridge.partition_maintenance') IS NOT NULL AS ok`,
    );
    if (exists.rows[0]?.ok === true) return;
    await db.query(readSqlFile('pg/partition-maintenance.sql'));
  } catch (error) {
    throw fromPgError(error, 'cannot create litebridge.partition_maintenance');
  }
}

/**
 * Makes `table`'s partitions contiguous from its first one up to `options.upTo` (moving DEFAULT's
 * rows of each new range into it) and applies retention. A table without partitions starts at the
 * partition holding now.
 */
export async function maintainPartitions(
  pool: PgPool,
  table: TargetTable,
  options: MaintenanceOptions,
): Promise<MaintenanceResult> {
  const spec = table.partitioning;
  if (spec === null) throw new BridgeError('INTERNAL', `table ${table.name} is not partitioned`);
  const layout = await readPartitionLayout(pool, table.schema, table.name);
  if (layout === null) {
    throw new BridgeError(
      'BAD_STATE',
      `table ${table.schema}.${table.name} is not partitioned in PostgreSQL`,
      {
        details: { table: table.source },
        hint: 'run snapshot first: it creates the partitioned tables',
      },
    );
  }
  const created: string[] = [];
  let moved = 0;
  for (const start of missingStarts(layout, table, options.upTo)) {
    const result = await withLockRetries(pool, table, options, (client, origin) =>
      addPartition(client, table, layout, start, origin),
    );
    created.push(result.name);
    moved += result.moved;
  }
  const detached: string[] = [];
  if (options.detachBefore !== null) {
    for (const range of layout.ranges) {
      if (range.to === null || range.to > options.detachBefore) continue;
      await withLockRetries(pool, table, options, (client) =>
        client.query(
          `ALTER TABLE ${qualified(table.schema, table.name)} DETACH PARTITION ${qualified(table.schema, range.name)}`,
        ),
      );
      detached.push(range.name);
    }
  }
  return { created, moved, detached };
}

/** Interval starts in `[first partition, upTo)` that no partition covers, in order. */
export function missingStarts(layout: PartitionLayout, table: TargetTable, upTo: Date): Date[] {
  const interval = table.partitioning!.interval;
  const first = layout.ranges.find((r) => r.from !== null)?.from ?? partitionStart(new Date(), interval);
  const out: Date[] = [];
  for (
    let start = partitionStart(first, interval);
    start < upTo;
    start = nextPartitionStart(start, interval)
  ) {
    const end = nextPartitionStart(start, interval);
    const covered = layout.ranges.some(
      (r) => (r.from === null || r.from < end) && (r.to === null || r.to > start),
    );
    if (!covered) out.push(start);
  }
  return out;
}

/**
 * One partition in one transaction: the standalone table, DEFAULT's rows of its range moved into
 * it, then ATTACH (which scans DEFAULT for rows of the range: they are gone by then).
 */
async function addPartition(
  client: PgClient,
  table: TargetTable,
  layout: PartitionLayout,
  start: Date,
  origin: boolean,
): Promise<{ name: string; moved: number }> {
  const interval = table.partitioning!.interval;
  const column = table.partitioning!.column;
  const type = partitionColumnType(table);
  const end = nextPartitionStart(start, interval);
  const parent = qualified(table.schema, table.name);
  const name = partitionName(table.name, start);
  const child = qualified(table.schema, name);
  const from = boundLiteral(start, type);
  const to = boundLiteral(end, type);
  const col = quoteIdent(column);
  await client.query(
    `CREATE TABLE ${child} (LIKE ${parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`,
  );
  let moved = 0;
  if (layout.defaultName !== null) {
    const source = qualified(table.schema, layout.defaultName);
    if (!origin) await refuseUnmarkedMove(client, table, source, `${col} >= ${from} AND ${col} < ${to}`);
    const result = await client.query(
      `WITH moved AS (DELETE FROM ONLY ${source}
          WHERE ${col} >= ${from} AND ${col} < ${to} RETURNING *)
       INSERT INTO ${child} SELECT * FROM moved`,
    );
    moved = result.rowCount ?? 0;
  }
  // A CHECK that implies the bound spares ATTACH its scan of the new table while it holds DEFAULT.
  const check = quoteIdent(suffixedName(name, '_bound'));
  await client.query(
    `ALTER TABLE ${child} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL AND ${col} >= ${from} AND ${col} < ${to})`,
  );
  await client.query(`ALTER TABLE ${parent} ATTACH PARTITION ${child} FOR VALUES FROM (${from}) TO (${to})`);
  await client.query(`ALTER TABLE ${child} DROP CONSTRAINT ${check}`);
  return { name, moved };
}

/**
 * Without the maintenance origin, moving rows is refused while a litebridge replication slot
 * exists: reverse replication would carry the move to SQLite as deletes.
 */
async function refuseUnmarkedMove(
  client: PgClient,
  table: TargetTable,
  source: string,
  range: string,
): Promise<void> {
  const check = await client.query<{ rows: boolean; slot: boolean }>(
    `SELECT EXISTS (SELECT FROM ONLY ${source} WHERE ${range}) AS rows,
            EXISTS (SELECT FROM pg_replication_slots WHERE slot_name LIKE 'litebridge%') AS slot`,
  );
  if (check.rows[0]?.rows === true && check.rows[0]?.slot === true) {
    throw new BridgeError(
      'BAD_STATE',
      `cannot move rows of table "${table.name}" out of DEFAULT unseen by reverse replication`,
      {
        details: { table: table.source },
        hint: `the role may not use a replication origin: GRANT EXECUTE ON FUNCTION pg_replication_origin_create(text), pg_replication_origin_session_setup(text), pg_replication_origin_session_reset() TO the role, or run as a superuser`,
      },
    );
  }
}

/**
 * Runs `step` in its own transaction under `lock_timeout`, in the maintenance replication origin
 * when the role may use one; a lock timeout rolls back and tries again after a pause.
 */
async function withLockRetries<T>(
  pool: PgPool,
  table: TargetTable,
  options: MaintenanceOptions,
  step: (client: PgClient, origin: boolean) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let origin = false;
    try {
      origin = await enterOrigin(client);
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT_MS}ms'`);
      const result = await step(client, origin);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (!RETRIED.has((error as { code?: string }).code ?? '') || attempt >= LOCK_ATTEMPTS) {
        throw fromPgError(error, `partition maintenance of table "${table.name}" failed`);
      }
    } finally {
      if (origin) await client.query('SELECT pg_replication_origin_session_reset()').catch(() => undefined);
      client.release();
    }
    await new Promise((resolve) =>
      setTimeout(resolve, (options.retryPauseMs ?? 500) * Math.min(attempt, 10)),
    );
  }
}

/**
 * Marks the session's transactions with `MAINTENANCE_ORIGIN` (created if missing). False when the
 * role may not (the replication origin functions need superuser or a grant): the pass still runs,
 * and is only safe for reverse replication with an origin.
 */
async function enterOrigin(client: PgClient): Promise<boolean> {
  try {
    await client.query(
      `SELECT pg_replication_origin_create($1) WHERE pg_replication_origin_oid($1) IS NULL`,
      [MAINTENANCE_ORIGIN],
    );
  } catch {
    return false;
  }
  // Busy in another maintenance session (55006): the caller retries; moving rows without the
  // origin could reach SQLite as deletes.
  await client.query('SELECT pg_replication_origin_session_setup($1)', [MAINTENANCE_ORIGIN]);
  return true;
}

/** Records the pass's outcome for `litebridge partitions` and `status`. */
export async function recordMaintenance(
  pool: PgPool,
  table: TargetTable,
  result: MaintenanceResult | null,
  error: string | null,
): Promise<void> {
  await pool.query(
    `INSERT INTO litebridge.partition_maintenance (schema_name, table_name, ran_at, created, moved, detached, error)
     VALUES ($1, $2, now(), $3, $4, $5, $6)
     ON CONFLICT (schema_name, table_name) DO UPDATE SET ran_at = excluded.ran_at, created = excluded.created,
       moved = excluded.moved, detached = excluded.detached, error = excluded.error`,
    [
      table.schema,
      table.name,
      result?.created.length ?? 0,
      result?.moved ?? 0,
      result?.detached.length ?? 0,
      error,
    ],
  );
}

/**
 * The PostgreSQL side of reverse replication: the publication listing the replicated target
 * tables and the logical replication slot (pgoutput) that keeps their changes until the SQLite
 * file has them. A publication belongs to one database, so it is named after the source id; a
 * slot belongs to the whole server, so its name also carries the database: two migrations into
 * two databases of one server from files of the same base name each have their own slot.
 */
import { BridgeError, fromPgError } from '../errors.js';
import type { TargetTable } from '../model/target-schema.js';
import { qualified } from '../schema/ddl.js';
import { shortHash } from '../schema/names.js';
import { quoteIdent } from '../schema/quote.js';
import type { Queryable } from './metadata.js';
import type { PgPool } from './pool.js';

/** Name prefix of every publication and slot litebridge creates. */
export const REPLICATION_PREFIX = 'litebridge_';

/** Longest slot name PostgreSQL takes (NAMEDATALEN - 1). */
const MAX_NAME = 63;

/** Retained WAL above which `slotStatus` warns when the server sets no limit (1 GiB). */
export const DEFAULT_RETAINED_WARN_BYTES = 1n << 30n;

/**
 * The publication name of a source (unique per database, as the source id is):
 * `litebridge_<source id>` when the id is lower-case letters, digits and underscores and short
 * enough, else a sanitized prefix plus a hash of the exact id (at most 63 bytes, `[a-z0-9_]`).
 * Slots of litebridge versions before per-database slot names were named the same way.
 */
export function replicationName(sourceId: string): string {
  const plain = /^[a-z0-9_]+$/.test(sourceId) && REPLICATION_PREFIX.length + sourceId.length <= MAX_NAME;
  return plain ? REPLICATION_PREFIX + sourceId : hashedName(sourceId, sourceId);
}

/**
 * The slot name of a source in `database` (unique per server): `litebridge_<source id>_<hash>`,
 * the hash taken over the database name and the exact source id, the id sanitized and cut so the
 * name fits slot names' rules (`[a-z0-9_]`, at most 63 bytes).
 */
export function slotName(database: string, sourceId: string): string {
  return hashedName(sourceId, `${database}\u0000${sourceId}`);
}

/** `litebridge_<source id sanitized to [a-z0-9_] and cut>_<hash of hashed>`, within 63 bytes. */
function hashedName(sourceId: string, hashed: string): string {
  const sanitized = sourceId
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, MAX_NAME - REPLICATION_PREFIX.length - 9);
  return `${REPLICATION_PREFIX}${sanitized}_${shortHash(hashed)}`;
}

/**
 * The name of the source's slot on this connection's server: the slot an earlier litebridge
 * version created under the publication's name, when it exists in this very database with
 * pgoutput (that source's way back, kept through an upgrade), else `slotName(database, id)`.
 */
export async function resolveSlotName(pool: PgPool, sourceId: string): Promise<string> {
  const legacy = replicationName(sourceId);
  try {
    const result = await pool.query<{ database: string; legacy: boolean }>(
      `SELECT current_database() AS database,
              EXISTS (SELECT 1 FROM pg_replication_slots
                       WHERE slot_name = $1 AND database = current_database() AND plugin = 'pgoutput') AS legacy`,
      [legacy],
    );
    const row = result.rows[0]!;
    return row.legacy ? legacy : slotName(row.database, sourceId);
  } catch (error) {
    throw fromPgError(error, `looking up the replication slot of source "${sourceId}" failed`);
  }
}

/**
 * Creates the source's publication for exactly `tables` (or makes an existing one list exactly
 * them), with `publish_via_partition_root` so partitioned tables stream under their own name.
 * Must exist before the slot is created: pgoutput looks publications up as of each change.
 * Returns the publication name.
 */
export async function ensurePublication(
  pool: PgPool,
  sourceId: string,
  tables: readonly TargetTable[],
): Promise<string> {
  const name = replicationName(sourceId);
  if (tables.length === 0) {
    throw new BridgeError('BAD_STATE', `source "${sourceId}" replicates no table: nothing to publish`);
  }
  const list = tables.map((t) => qualified(t.schema, t.name)).join(', ');
  try {
    const found = await pool.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name]);
    if (found.rowCount === 0) {
      await pool.query(
        `CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${list} WITH (publish_via_partition_root = true)`,
      );
    } else {
      await pool.query(`ALTER PUBLICATION ${quoteIdent(name)} SET TABLE ${list}`);
      await pool.query(`ALTER PUBLICATION ${quoteIdent(name)} SET (publish_via_partition_root = true)`);
    }
  } catch (error) {
    throw fromPgError(error, `creating publication "${name}" failed`);
  }
  return name;
}

/**
 * PostgreSQL's current WAL insert position: once the application has stopped writing, reverse
 * replication has everything when it reaches this (`runReverse({ untilLsn })`, rollback's and
 * finish's drain), and the cutover's switch stores it as where reverse replication starts.
 * The insert position, not `pg_current_wal_lsn()`, which lags behind with asynchronous commit.
 */
export async function currentWalLsn(db: Queryable): Promise<string> {
  try {
    const result = await db.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    return result.rows[0]!.lsn;
  } catch (error) {
    throw fromPgError(error, 'reading the WAL position failed');
  }
}

/** A slot and the position its changes start after. */
export interface SlotPosition {
  readonly slot: string;
  /** The consistent point of a new slot, or the confirmed position of an existing one. */
  readonly lsn: string;
  readonly created: boolean;
}

/**
 * Creates the source's logical slot with pgoutput in the pool's database, or returns the existing
 * one's confirmed position. Creating waits for transactions already running to finish; run it
 * outside any transaction. Refuses (BAD_STATE) a slot of that name with another plugin or database.
 */
export async function ensureSlot(pool: PgPool, sourceId: string): Promise<SlotPosition> {
  const slot = await resolveSlotName(pool, sourceId);
  try {
    const existing = await pool.query<{ plugin: string; database: string; here: string; lsn: string | null }>(
      `SELECT plugin, database, current_database() AS here, confirmed_flush_lsn::text AS lsn
         FROM pg_replication_slots WHERE slot_name = $1`,
      [slot],
    );
    const row = existing.rows[0];
    if (row !== undefined) {
      if (row.database !== row.here) {
        // Another database's slot: another migration's way back. Never suggest dropping it.
        throw new BridgeError(
          'BAD_STATE',
          `replication slot "${slot}" belongs to database "${row.database}", not "${row.here}": it is another migration's`,
          {
            details: { slot, plugin: row.plugin, database: row.database },
            hint: "leave that slot alone (it is the other migration's way back); run this migration with another --source-id",
          },
        );
      }
      if (row.plugin !== 'pgoutput' || row.lsn === null) {
        throw new BridgeError(
          'BAD_STATE',
          `replication slot "${slot}" of database "${row.here}" exists but is not a logical pgoutput slot`,
          {
            details: { slot, plugin: row.plugin, database: row.database },
            hint: `litebridge did not create it: if nothing streams from it, drop it (SELECT pg_drop_replication_slot('${slot}')), else run with another --source-id`,
          },
        );
      }
      return { slot, lsn: row.lsn, created: false };
    }
    const created = await pool.query<{ lsn: string }>(
      "SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, 'pgoutput')",
      [slot],
    );
    return { slot, lsn: created.rows[0]!.lsn, created: true };
  } catch (error) {
    throw fromPgError(error, `creating replication slot "${slot}" failed`);
  }
}

/**
 * Drops the source's slot and publication when present. A slot still streamed by a running
 * process cannot be dropped: that is a BAD_STATE naming the process id.
 */
export async function dropReplication(pool: PgPool, sourceId: string): Promise<void> {
  const name = await resolveSlotName(pool, sourceId);
  const publication = replicationName(sourceId);
  try {
    const active = await pool.query<{ pid: number | null }>(
      'SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()',
      [name],
    );
    const pid = active.rows[0]?.pid ?? null;
    if (pid !== null) {
      throw new BridgeError('BAD_STATE', `replication slot "${name}" is in use by process ${pid}`, {
        details: { slot: name, pid },
        hint: 'stop the litebridge process streaming it (reverse replication) first',
      });
    }
    if (active.rowCount !== 0) await pool.query('SELECT pg_drop_replication_slot($1)', [name]);
    await pool.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(publication)}`);
  } catch (error) {
    throw fromPgError(error, `dropping replication slot "${name}" and publication "${publication}" failed`);
  }
}

/** `pg_replication_slots.wal_status`: `lost` means the slot can no longer stream. */
export type WalStatus = 'reserved' | 'extended' | 'unreserved' | 'lost';

/** What `status` shows about the reverse slot. */
export interface SlotStatus {
  readonly slot: string;
  /** A process is streaming it. */
  readonly active: boolean;
  /** WAL written since the last position the SQLite file confirmed (pg_current_wal_lsn − confirmed_flush_lsn). */
  readonly lagBytes: bigint;
  /** WAL the slot keeps on the server's disk (pg_current_wal_lsn − restart_lsn); null once lost. */
  readonly retainedBytes: bigint | null;
  readonly walStatus: WalStatus | null;
  /** WAL that can still be written before the slot is lost (null: max_slot_wal_keep_size is unlimited). */
  readonly safeWalSize: bigint | null;
  readonly confirmedLsn: string | null;
  /** Why PostgreSQL invalidated the slot (PostgreSQL 17+), or null. */
  readonly invalidationReason: string | null;
  /** One sentence for the operator when the slot is lost or its WAL is piling up, else null. */
  readonly warning: string | null;
}

interface SlotRow {
  readonly active: boolean;
  readonly wal_status: WalStatus | null;
  readonly safe_wal_size: string | null;
  readonly lag: string | null;
  readonly retained: string | null;
  readonly confirmed: string | null;
  readonly reason: string | null;
}

const big = (text: string | null): bigint | null => (text === null ? null : BigInt(text));

/**
 * The source's slot as `status` reports it, or null when there is none. `warning` is set when the
 * slot is lost, when PostgreSQL may remove WAL it needs soon (`unreserved`, or less than the
 * retained amount left of `max_slot_wal_keep_size`), or, with no limit set, when it retains more
 * than `retainedWarnBytes` (default 1 GiB), since the disk may fill.
 */
export async function slotStatus(
  pool: PgPool,
  sourceId: string,
  retainedWarnBytes: bigint = DEFAULT_RETAINED_WARN_BYTES,
): Promise<SlotStatus | null> {
  const slot = await resolveSlotName(pool, sourceId);
  let result: { rows: SlotRow[] };
  try {
    result = await pool.query<SlotRow>(
      `SELECT s.active, s.wal_status, s.safe_wal_size::text AS safe_wal_size,
              pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint::text AS lag,
              pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint::text AS retained,
              s.confirmed_flush_lsn::text AS confirmed,
              to_jsonb(s) ->> 'invalidation_reason' AS reason
         FROM pg_replication_slots s WHERE s.slot_name = $1 AND s.database = current_database()`,
      [slot],
    );
  } catch (error) {
    throw fromPgError(error, `reading replication slot "${slot}" failed`);
  }
  const row = result.rows[0];
  if (row === undefined) return null;
  const retainedBytes = row.wal_status === 'lost' ? null : big(row.retained);
  const safeWalSize = big(row.safe_wal_size);
  const status = {
    slot,
    active: row.active,
    lagBytes: big(row.lag) ?? 0n,
    retainedBytes,
    walStatus: row.wal_status,
    safeWalSize,
    confirmedLsn: row.confirmed,
    invalidationReason: row.reason,
  };
  return { ...status, warning: slotWarning(status, retainedWarnBytes) };
}

function slotWarning(s: Omit<SlotStatus, 'warning'>, retainedWarnBytes: bigint): string | null {
  const mb = (n: bigint): string => `${(n >> 20n).toString()} MB`;
  if (s.walStatus === 'lost' || s.invalidationReason !== null) {
    return `replication slot "${s.slot}" is lost${s.invalidationReason === null ? '' : ` (${s.invalidationReason})`}: PostgreSQL changes can no longer reach SQLite`;
  }
  if (s.walStatus === 'unreserved') {
    return `replication slot "${s.slot}" is about to be lost: PostgreSQL will remove WAL it needs at the next checkpoint`;
  }
  if (s.safeWalSize !== null && s.retainedBytes !== null && s.safeWalSize < s.retainedBytes) {
    return `replication slot "${s.slot}" will be lost after ${mb(s.safeWalSize)} more WAL unless reverse replication catches up`;
  }
  if (s.safeWalSize === null && s.retainedBytes !== null && s.retainedBytes > retainedWarnBytes) {
    return `replication slot "${s.slot}" retains ${mb(s.retainedBytes)} of WAL and max_slot_wal_keep_size is unlimited: the disk may fill`;
  }
  return null;
}

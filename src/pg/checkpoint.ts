/**
 * The sync checkpoint in `litebridge.sources`: the last changelog seq applied, written in the
 * same transaction as the data it covers, plus what `status` shows (last apply, last event
 * time, last error).
 */
import type { ChangeBatch } from '../model/change.js';
import type { Queryable } from './metadata.js';
import type { PgClient } from './pool.js';

/** The source's checkpoint, or null when there is no such source or no checkpoint yet. */
export async function readCheckpoint(db: Queryable, sourceId: string): Promise<bigint | null> {
  const result = await db.query<{ seq: string | null }>(
    'SELECT checkpoint_seq::text AS seq FROM litebridge.sources WHERE source_id = $1',
    [sourceId],
  );
  const seq = result.rows[0]?.seq ?? null;
  return seq === null ? null : BigInt(seq);
}

/**
 * Compare-and-set, inside the caller's transaction: moves the checkpoint from `after` to `upTo`
 * and stamps `applied_at` (and `last_event_at` when the batch held events), clearing any
 * recorded error. False when the checkpoint was not at `after`: another process moved it.
 */
export async function advanceCheckpoint(
  client: PgClient,
  sourceId: string,
  batch: Pick<ChangeBatch, 'after' | 'upTo' | 'events' | 'lastAt'>,
): Promise<boolean> {
  const result = await client.query({
    name: 'lb_checkpoint_advance',
    text: `UPDATE litebridge.sources SET checkpoint_seq = $3::bigint, applied_at = now(),
             last_event_at = CASE WHEN $4::integer > 0 THEN to_timestamp($5::double precision / 1000)
                                  ELSE last_event_at END,
             last_error = NULL, last_error_at = NULL
           WHERE source_id = $1 AND checkpoint_seq = $2::bigint`,
    values: [sourceId, batch.after.toString(), batch.upTo.toString(), batch.events, batch.lastAt],
  });
  return result.rowCount === 1;
}

/** Records why the last apply failed (outside any transaction; best effort for the caller). */
export async function recordSyncError(db: Queryable, sourceId: string, message: string): Promise<void> {
  await db.query(
    'UPDATE litebridge.sources SET last_error = $2, last_error_at = now() WHERE source_id = $1',
    [sourceId, message],
  );
}

/** What `status` shows of a source's sync. */
export interface SyncProgress {
  readonly checkpointSeq: bigint | null;
  /** When the last batch was committed. */
  readonly appliedAt: Date | null;
  /** Capture time of the last event applied: `now - lastEventAt` bounds the lag. */
  readonly lastEventAt: Date | null;
  /** The last apply error since the last successful batch, or null. */
  readonly lastError: string | null;
  readonly lastErrorAt: Date | null;
}

/** The source's sync progress, or null when there is no such source. */
export async function readSyncProgress(db: Queryable, sourceId: string): Promise<SyncProgress | null> {
  const result = await db.query(
    `SELECT checkpoint_seq::text AS seq, applied_at, last_event_at, last_error, last_error_at
       FROM litebridge.sources WHERE source_id = $1`,
    [sourceId],
  );
  const row = result.rows[0];
  if (row === undefined) return null;
  return {
    checkpointSeq: row.seq === null ? null : BigInt(row.seq),
    appliedAt: row.applied_at,
    lastEventAt: row.last_event_at,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
  };
}

/**
 * Whether this session may apply as a replica (`session_replication_role`): superusers, and on
 * PostgreSQL 15+ roles granted `SET ON PARAMETER session_replication_role`.
 */
export async function canApplyAsReplica(db: Queryable): Promise<boolean> {
  const result = await db.query<{ allowed: boolean }>(
    `SELECT current_setting('is_superuser') = 'on'
        OR (current_setting('server_version_num')::int >= 150000
            AND has_parameter_privilege('session_replication_role', 'SET')) AS allowed`,
  );
  return result.rows[0]?.allowed === true;
}

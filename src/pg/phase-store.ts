/**
 * The cutover's record in `litebridge.sources` (columns added by sql/pg/metadata.sql): the phase
 * every sync process follows, and where the switch happened (changelog seq, WAL LSN, fence window).
 */
import { BridgeError } from '../errors.js';
import type { Queryable } from './metadata.js';
import type { PgClient } from './pool.js';

/** Who is the primary: forward (SQLite), cutover (PostgreSQL, reverse on), rolled-back, finished. */
export type Phase = 'forward' | 'cutover' | 'rolled-back' | 'finished';

/** What PostgreSQL records of a source's cutover. */
export interface CutoverRecord {
  readonly phase: Phase;
  readonly cutoverAt: Date | null;
  /** Changelog head when the fence went up (= the forward checkpoint after the switch). */
  readonly cutoverSeq: bigint | null;
  /** WAL position of the switch: reverse replication applies transactions committed after it. */
  readonly cutoverLsn: string | null;
  readonly fenceMs: number | null;
  /** The drift check's changelog seq; sync keeps changelog rows after it. */
  readonly verifiedSeq: bigint | null;
  readonly checkpointSeq: bigint | null;
}

/** The source's cutover record, or null when PostgreSQL has no such source. */
export async function readCutoverRecord(db: Queryable, sourceId: string): Promise<CutoverRecord | null> {
  const result = await db.query(
    `SELECT phase, cutover_at, cutover_seq::text AS cutover_seq, cutover_lsn::text AS cutover_lsn, fence_ms,
            verified_seq::text AS verified_seq, checkpoint_seq::text AS checkpoint_seq
       FROM litebridge.sources WHERE source_id = $1`,
    [sourceId],
  );
  const row = result.rows[0];
  if (row === undefined) return null;
  const big = (v: string | null) => (v === null ? null : BigInt(v));
  return {
    phase: row.phase as Phase,
    cutoverAt: row.cutover_at,
    cutoverSeq: big(row.cutover_seq),
    cutoverLsn: row.cutover_lsn,
    fenceMs: row.fence_ms,
    verifiedSeq: big(row.verified_seq),
    checkpointSeq: big(row.checkpoint_seq),
  };
}

/** The source's phase ('forward' when PostgreSQL has no record of it). */
export async function readPhase(db: Queryable, sourceId: string): Promise<Phase> {
  return (await readCutoverRecord(db, sourceId))?.phase ?? 'forward';
}

/** Sets (or clears, with null) the drift check's changelog seq that holds back pruning. */
export async function setVerifiedSeq(db: Queryable, sourceId: string, seq: bigint | null): Promise<void> {
  await db.query('UPDATE litebridge.sources SET verified_seq = $2 WHERE source_id = $1', [
    sourceId,
    seq === null ? null : seq.toString(),
  ]);
}

/**
 * Holds back changelog pruning at the current checkpoint (`verified_seq = checkpoint_seq`, in one
 * statement: a prune that read an older bound deletes at most up to it) and returns that seq, or
 * null when the source has no checkpoint yet.
 */
export function holdPruningAtCheckpoint(db: Queryable, sourceId: string): Promise<bigint | null> {
  return seqOf(
    db,
    `UPDATE litebridge.sources SET verified_seq = checkpoint_seq WHERE source_id = $1
     RETURNING verified_seq::text AS seq`,
    sourceId,
  );
}

/**
 * Locks the source's row (FOR UPDATE NOWAIT, inside the caller's transaction: no sync batch can
 * move the checkpoint until it ends) and returns its checkpoint, or null when it has none.
 * Fails with SQLSTATE 55P03 when a sync batch holds the row.
 */
export function lockCheckpoint(client: PgClient, sourceId: string): Promise<bigint | null> {
  return seqOf(
    client,
    'SELECT checkpoint_seq::text AS seq FROM litebridge.sources WHERE source_id = $1 FOR UPDATE NOWAIT',
    sourceId,
  );
}

/** Runs `sql` for the source and returns its `seq` column (text) as a bigint, or null. */
async function seqOf(db: Queryable, sql: string, sourceId: string): Promise<bigint | null> {
  const result = await db.query<{ seq: string | null }>(sql, [sourceId]);
  const seq = result.rows[0]?.seq ?? null;
  return seq === null ? null : BigInt(seq);
}

/**
 * The highest changelog seq sync may prune: the checkpoint, held back to the drift check's seq
 * while a cutover needs the keys changed since. Null when nothing may be pruned yet.
 */
export async function pruneBound(db: Queryable, sourceId: string): Promise<bigint | null> {
  const record = await readCutoverRecord(db, sourceId);
  if (record === null || record.checkpointSeq === null) return null;
  const { checkpointSeq, verifiedSeq } = record;
  return verifiedSeq !== null && verifiedSeq < checkpointSeq ? verifiedSeq : checkpointSeq;
}

/** The switch, inside the cutover's transaction: phase 'cutover' and where it happened. */
export async function recordSwitch(
  client: PgClient,
  sourceId: string,
  at: { readonly seq: bigint; readonly lsn: string },
): Promise<void> {
  const result = await client.query(
    `UPDATE litebridge.sources SET phase = 'cutover', cutover_at = now(), cutover_seq = $2,
       cutover_lsn = $3::pg_lsn, verified_seq = NULL, fence_ms = NULL
     WHERE source_id = $1 AND phase IN ('forward', 'rolled-back')`,
    [sourceId, at.seq.toString(), at.lsn],
  );
  if (result.rowCount !== 1) {
    throw new BridgeError('BAD_STATE', `source "${sourceId}" is no longer in the forward phase`, {
      hint: 'another cutover ran at the same time: run `litebridge status`',
    });
  }
}

/** Stores the measured fence window (after the switch committed). */
export async function recordFenceMs(db: Queryable, sourceId: string, fenceMs: number): Promise<void> {
  await db.query('UPDATE litebridge.sources SET fence_ms = $2 WHERE source_id = $1', [
    sourceId,
    Math.round(fenceMs),
  ]);
}

/** Moves the phase from one of `from` to `to`; false when the phase was none of them. */
export async function movePhase(
  db: Queryable,
  sourceId: string,
  from: readonly Phase[],
  to: Phase,
): Promise<boolean> {
  const result = await db.query(
    'UPDATE litebridge.sources SET phase = $3 WHERE source_id = $1 AND phase = ANY($2::text[])',
    [sourceId, from, to],
  );
  return result.rowCount === 1;
}

/**
 * Clears the last forward apply error: the batch that waited on the cutover's locks fails its
 * checkpoint compare-and-set once the switch commits, which is expected, not an error to show.
 */
export async function clearSyncError(db: Queryable, sourceId: string): Promise<void> {
  await db.query(
    'UPDATE litebridge.sources SET last_error = NULL, last_error_at = NULL WHERE source_id = $1',
    [sourceId],
  );
}

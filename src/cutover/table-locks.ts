/**
 * The cutover's lock session: one PostgreSQL transaction that holds EXCLUSIVE locks on every
 * target table (reads go on, writes wait) from before the fence until the switch commits, so an
 * application that moves to PostgreSQL early waits instead of colliding with ids before setval.
 * The drain, the final check, setval and the switch all run inside it, so the switch is atomic.
 */
import { BridgeError, fromPgError } from '../errors.js';
import type { TargetTable } from '../model/target-schema.js';
import type { PgClient, PgPool } from '../pg/pool.js';
import { qualified } from '../schema/ddl.js';

/** How long to keep trying to take the locks (a sync batch or an application write holds them). */
const DEFAULT_LOCK_WAIT_MS = 30_000;
const LOCK_RETRY_MS = 5;

/**
 * Opens a transaction holding EXCLUSIVE locks on `tables` (plus the source's row in
 * `litebridge.sources`, FOR UPDATE, so no sync batch can move the checkpoint meanwhile) and
 * returns its client. The locks are taken all at once with NOWAIT and retried every few
 * milliseconds: waiting in line behind a sync batch that holds some of the tables could
 * deadlock with it. Returns the checkpoint read under the locks.
 */
export async function lockTargetTables(
  pool: PgPool,
  tables: readonly TargetTable[],
  sourceId: string,
  waitMs = DEFAULT_LOCK_WAIT_MS,
): Promise<{ client: PgClient; checkpoint: bigint }> {
  const client = await pool.connect();
  const list = tables.map((t) => qualified(t.schema, t.name)).join(', ');
  const end = Date.now() + waitMs;
  try {
    for (;;) {
      await client.query('BEGIN');
      try {
        if (tables.length > 0) await client.query(`LOCK TABLE ${list} IN EXCLUSIVE MODE NOWAIT`);
        const row = await client.query<{ seq: string | null }>(
          'SELECT checkpoint_seq::text AS seq FROM litebridge.sources WHERE source_id = $1 FOR UPDATE NOWAIT',
          [sourceId],
        );
        const seq = row.rows[0]?.seq ?? null;
        if (seq === null) {
          throw new BridgeError('BAD_STATE', `source "${sourceId}" has no checkpoint in PostgreSQL`, {
            hint: 'run `litebridge sync` first: cutover follows a running sync',
          });
        }
        return { client, checkpoint: BigInt(seq) };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const busy = (error as { code?: string }).code === '55P03';
        if (!busy || Date.now() >= end) throw error;
        await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
      }
    }
  } catch (error) {
    client.release();
    throw fromPgError(error, `cannot lock the target tables (${list})`);
  }
}

/** Ends the lock session: COMMIT (the switch) or ROLLBACK (anything failed), then releases it. */
export async function endLockSession(client: PgClient, commit: boolean): Promise<void> {
  try {
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
  } catch (error) {
    if (commit) throw fromPgError(error, 'committing the switch failed');
  } finally {
    client.release(!commit);
  }
}

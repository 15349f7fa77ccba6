/**
 * The cutover's lock session: one PostgreSQL transaction that holds EXCLUSIVE locks on every
 * target table (reads go on, writes wait) from before the fence until the switch commits, so an
 * application that moves to PostgreSQL early waits instead of colliding with ids before setval.
 * The drain, the final check, setval and the switch all run inside it, so the switch is atomic.
 */
import { BridgeError, fromPgError } from '../errors.js';
import type { TargetTable } from '../model/target-schema.js';
import { qualified } from '../schema/ddl.js';
import { lockCheckpoint } from './phase-store.js';
import type { PgClient, PgPool } from './pool.js';

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
        const checkpoint = await lockCheckpoint(client, sourceId);
        if (checkpoint === null) {
          throw new BridgeError('BAD_STATE', `source "${sourceId}" has no checkpoint in PostgreSQL`, {
            hint: 'run `litebridge sync` first: cutover follows a running sync',
          });
        }
        return { client, checkpoint };
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

/** Ends the lock session with COMMIT (the switch, or the rollback's release), then releases it. */
export async function commitLockSession(client: PgClient): Promise<void> {
  try {
    await client.query('COMMIT');
  } catch (error) {
    throw fromPgError(error, 'committing the switch failed');
  } finally {
    client.release();
  }
}

/**
 * Ends the lock session with ROLLBACK (a step failed: nothing it did stays) and drops its
 * connection; a ROLLBACK that fails changes nothing, the dropped session rolls back anyway.
 */
export async function abandonLockSession(client: PgClient): Promise<void> {
  try {
    await client.query('ROLLBACK');
  } catch {
    // the session is dropped below: PostgreSQL rolls it back
  } finally {
    client.release(true);
  }
}

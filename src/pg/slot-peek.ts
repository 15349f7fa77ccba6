/**
 * How far reverse replication must go: the end of the last published PostgreSQL transaction
 * committed before a WAL position, read from the (idle) slot without consuming it. Draining up
 * to that transaction, rather than up to the position itself, ends as soon as it is applied:
 * passing a position with no published change after it needs a server keepalive, which may
 * take many seconds.
 */
import { fromPgError } from '../errors.js';
import type { PgPool } from './pool.js';
import { replicationName, resolveSlotName } from './replication.js';

/** pgoutput's Commit message tag ('C'). */
const COMMIT = 67;

/**
 * The end LSN of the last transaction on the published tables that committed before `before`,
 * or null when there is none after the slot's confirmed position. The slot must be idle.
 */
export async function lastPublishedCommit(
  pool: PgPool,
  sourceId: string,
  before: string,
): Promise<string | null> {
  const name = await resolveSlotName(pool, sourceId);
  const publication = replicationName(sourceId);
  try {
    // Decoding reads flushed WAL only; with asynchronous commit the last transactions may not
    // be. A synchronous commit that wrote WAL (a logical message pgoutput does not publish)
    // flushes everything before it.
    await pool.query(
      "BEGIN; SET LOCAL synchronous_commit = on; SELECT pg_logical_emit_message(true, 'litebridge', 'flush'); COMMIT",
    );
    const result = await pool.query<{ lsn: string | null }>(
      `SELECT max(lsn)::text AS lsn
         FROM pg_logical_slot_peek_binary_changes($1, $2::pg_lsn, NULL,
                'proto_version', '1', 'publication_names', $3)
        WHERE get_byte(data, 0) = $4`,
      [name, before, quoteForOption(publication), COMMIT],
    );
    return result.rows[0]?.lsn ?? null;
  } catch (error) {
    throw fromPgError(error, `reading replication slot "${name}" failed`);
  }
}

/** publication_names is a list: a name with a comma or quote must be double-quoted in it. */
function quoteForOption(name: string): string {
  return /^[a-z0-9_]+$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

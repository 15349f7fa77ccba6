/**
 * Reading both engines at the same logical point while the application writes and sync applies,
 * with the positions the drift check uses: SQLite's changelog head H in a read transaction, and
 * PostgreSQL's checkpoint C in a REPEATABLE READ snapshot. The two hold the same data exactly when
 * C = H (every captured change up to H applied, none after it). SQLite is read first; PostgreSQL
 * snapshots are taken until one holds C = H (C < H: sync has not applied up to H yet, so wait
 * and look again; C > H: sync went past, so start over with a newer SQLite read). Without sync
 * metadata or capture there is no position to match: both sides are read as they are ("static").
 */
import { readCheckpoint } from '../pg/checkpoint.js';
import { metadataTableExists } from '../pg/metadata.js';
import type { PgClient, PgPool } from '../pg/pool.js';
import { quoteIdent } from '../schema/quote.js';
import type { SqliteDatabase } from '../sqlite/open.js';
import { ReadSnapshot } from '../sqlite/snapshot-read.js';

/** Where both reads ran. */
export interface ReadPoint {
  /** PostgreSQL's checkpoint in its snapshot (null: no sync metadata). */
  readonly checkpoint: string | null;
  /** SQLite's changelog head in its read transaction (null: no capture). */
  readonly head: string | null;
  /** 'live': matched positions; 'static': nothing to match (no sync state). */
  readonly consistency: 'live' | 'static';
}

/** What a read at one point gave: the value, or unsettled when positions never matched. */
export type PointOutcome<T> =
  | { readonly settled: true; readonly value: T; readonly point: ReadPoint; readonly attempts: number }
  | { readonly settled: false; readonly point: ReadPoint; readonly attempts: number };

/** How long to look for a matching point. */
export interface PointOptions {
  readonly sourceId: string;
  /** PostgreSQL schema of the tables, first on the search_path. */
  readonly schema: string;
  /** Give up (unsettled) after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Wait between PostgreSQL snapshots while sync catches up to H (default 10 ms). */
  readonly pollMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `read` with SQLite inside a read transaction on `db` and `client` inside a REPEATABLE
 * READ READ ONLY transaction, both at the same logical point (see the module comment). `read`
 * must only read; both transactions are rolled back / ended after it.
 */
export async function atSamePoint<T>(
  db: SqliteDatabase,
  pool: PgPool,
  options: PointOptions,
  read: (client: PgClient) => Promise<T>,
): Promise<PointOutcome<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const poll = options.pollMs ?? 10;
  const client = await pool.connect();
  const snapshot = new ReadSnapshot(db);
  let attempts = 0;
  let point: ReadPoint = { checkpoint: null, head: null, consistency: 'static' };
  try {
    for (;;) {
      snapshot.begin();
      const head = snapshot.changelogHead();
      for (;;) {
        attempts++;
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await client.query(`SET LOCAL search_path TO ${quoteIdent(options.schema)}, public`);
        const checkpoint = (await metadataTableExists(client, 'sources'))
          ? await readCheckpoint(client, options.sourceId)
          : null;
        const live = checkpoint !== null && head !== null;
        point = {
          checkpoint: checkpoint?.toString() ?? null,
          head: head?.toString() ?? null,
          consistency: live ? 'live' : 'static',
        };
        if (!live || checkpoint === head) {
          try {
            return { settled: true, value: await read(client), point, attempts };
          } finally {
            await client.query('ROLLBACK').catch(() => undefined);
          }
        }
        await client.query('ROLLBACK');
        if (checkpoint > head || Date.now() >= deadline) break;
        await sleep(poll);
      }
      snapshot.end();
      if (Date.now() >= deadline) return { settled: false, point, attempts };
    }
  } finally {
    snapshot.end();
    client.release();
  }
}

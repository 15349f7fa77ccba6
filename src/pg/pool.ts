import pg from 'pg';
import { BridgeError, fromPgError } from '../errors.js';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

/**
 * Settings every litebridge session runs with: UTC and ISO dates so the codec's text is read
 * the same way everywhere, hex bytea, shortest-exact floats. Sent in the startup packet, so a
 * session never runs a statement before they hold.
 */
const SESSION_SETTINGS: Readonly<Record<string, string>> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO',
  IntervalStyle: 'iso_8601',
  extra_float_digits: '1',
  bytea_output: 'hex',
};

export interface PoolOptions {
  readonly max: number;
  /** Extra settings for this pool's sessions (e.g. synchronous_commit for a bulk load). */
  readonly settings?: Readonly<Record<string, string>>;
  readonly applicationName?: string;
}

/**
 * A pg pool whose sessions all carry litebridge's settings. An empty URL lets pg read the PG*
 * environment variables. Errors on idle clients are logged by the caller, never crash the process.
 */
export function createPool(url: string, options: PoolOptions): PgPool {
  const settings = Object.entries({ ...SESSION_SETTINGS, ...options.settings })
    .map(([name, value]) => `-c ${name}=${value.replace(/[\\ ]/g, '\\$&')}`)
    .join(' ');
  const pool = new pg.Pool({
    ...(url === '' ? {} : { connectionString: url }),
    max: options.max,
    application_name: options.applicationName ?? 'litebridge',
    options: settings,
  });
  // A session that dies while checked out (server restart) reports through its query's promise;
  // without a listener its 'error' event would also crash the process.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  pool.on('error', () => {
    /* idle client lost: the next checkout reconnects */
  });
  return pool;
}

/** Runs `fn` inside one transaction on one pooled client; rolls back on any error. */
export async function inTransaction<T>(pool: PgPool, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Checks the server answers, with an error that names what failed. */
export async function ping(pool: PgPool): Promise<string> {
  let row: { version: string; encoding: string; database: string };
  try {
    const result = await pool.query<{ version: string; encoding: string; database: string }>(
      "SELECT current_setting('server_version') AS version, current_setting('server_encoding') AS encoding, current_database() AS database",
    );
    row = result.rows[0]!;
  } catch (error) {
    throw fromPgError(error, 'cannot connect to PostgreSQL');
  }
  if (row.encoding !== 'UTF8') {
    // SQLite text is Unicode: another encoding cannot hold all of it (and SQL_ASCII checks nothing).
    throw new BridgeError(
      'BAD_STATE',
      `PostgreSQL database "${row.database}" has encoding ${row.encoding}: litebridge needs UTF8 to hold SQLite's text exactly`,
      {
        details: { database: row.database, encoding: row.encoding },
        hint: "create a UTF8 database for the migration (CREATE DATABASE <name> ENCODING 'UTF8' TEMPLATE template0) and point --pg at it",
      },
    );
  }
  return row.version;
}

/** Query options that make pg return every column as PostgreSQL's own text, rows as arrays. */
export const RAW_TEXT_ROWS = {
  rowMode: 'array' as const,
  types: { getTypeParser: () => (value: string) => value },
};

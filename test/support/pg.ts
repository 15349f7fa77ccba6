import { customAlphabet } from 'nanoid';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { createPool, type PgPool } from '../../src/pg/pool.js';
import { until } from './until.js';

/** A database of its own for one test file, on the run's PostgreSQL. */
export interface TestDatabase {
  /** The database's name (available once `beforeAll` has run). */
  name(): string;
  /** Superuser connection URL of the database (available once `beforeAll` has run). */
  url(): string;
  /** Runs one statement on the database through a small shared pool. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
}

const randomSuffix = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 12);

/** Superuser URL of the run's PostgreSQL, pointed at `database`. */
export function adminUrl(database = 'postgres'): string {
  const url = new URL(inject('pgAdminUrl'));
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Runs one statement on the server's `postgres` database with a short-lived connection. */
export async function adminQuery(sql: string, params?: readonly unknown[]): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await client.query(sql, params === undefined ? undefined : [...params]);
  } finally {
    await client.end();
  }
}

/**
 * Call at the top of a test file (or describe): creates a fresh, uniquely named database in
 * `beforeAll` and drops it (WITH (FORCE), so leftover connections cannot keep it) in `afterAll`.
 */
export function useTestDatabase(): TestDatabase {
  let name: string | undefined;
  let pool: pg.Pool | undefined;
  const current = (): string => {
    if (name === undefined) throw new Error('useTestDatabase(): the database exists only from beforeAll on');
    return name;
  };

  beforeAll(async () => {
    name = `lb_test_${randomSuffix()}`;
    await adminQuery(`CREATE DATABASE "${name}"`);
  });

  afterAll(async () => {
    await pool?.end();
    pool = undefined;
    if (name === undefined) return;
    // A slot in the database keeps DROP DATABASE out, and FORCE does not end walsenders: a test
    // that failed half-way may leave both behind.
    await adminQuery(
      `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
        WHERE database = $1 AND active_pid IS NOT NULL`,
      [name],
    );
    await until(async () => {
      const active = await adminQuery('SELECT 1 FROM pg_replication_slots WHERE database = $1 AND active', [
        name,
      ]);
      return active.rowCount === 0;
    }, 10_000);
    await adminQuery(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1',
      [name],
    );
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  return {
    name: current,
    url: () => adminUrl(current()),
    query: (sql, params) => {
      if (pool === undefined) {
        pool = new pg.Pool({ connectionString: adminUrl(current()), max: 2 });
        // An idle connection the server ends (a test restarting it) must not fail the run.
        pool.on('error', () => undefined);
      }
      return pool.query(sql, params === undefined ? undefined : [...params]);
    },
  };
}

/**
 * Call at the top of a test file, after `useTestDatabase`: a litebridge pool (`createPool`) on
 * that database, opened in `beforeAll` and ended in `afterAll`. Returns its getter.
 */
export function useBridgePool(db: TestDatabase, max = 2): () => PgPool {
  let pool: PgPool | undefined;
  beforeAll(() => {
    pool = createPool(db.url(), { max });
  });
  afterAll(async () => {
    await pool?.end();
    pool = undefined;
  });
  return () => {
    if (pool === undefined) throw new Error('useBridgePool(): the pool exists only from beforeAll on');
    return pool;
  };
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/pg/embedded-server.js';
import { type Child, waitFor } from './child.js';

/** `adminUrl` pointed at another database. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Drops `name` if it exists and creates it empty; returns its URL. */
export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  await withClient(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
  });
  return databaseUrl(adminUrl, name);
}

/** Drops `name` if it exists. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
  );
}

/** The server's version string. */
export function serverVersion(adminUrl: string): Promise<string> {
  return withClient(adminUrl, async (client) =>
    String((await client.query('SHOW server_version')).rows[0]?.server_version),
  );
}

/**
 * Where a loader put `table`: the first application schema holding a table of that name
 * (litebridge may use another schema than `public`), or null when it is missing.
 */
async function locate(client: pg.Client, table: string): Promise<string | null> {
  const { rows } = await client.query<{ qualified: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS qualified
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'litebridge')
      ORDER BY n.nspname = 'public' DESC, n.nspname LIMIT 1`,
    [table],
  );
  return rows[0]?.qualified ?? null;
}

/** Rows per table in the target (null: the table is missing). */
export function countRows(url: string, tables: readonly string[]): Promise<Record<string, number | null>> {
  return withClient(url, async (client) => {
    const counts: Record<string, number | null> = {};
    for (const table of tables) {
      const qualified = await locate(client, table);
      counts[table] =
        qualified === null
          ? null
          : Number((await client.query(`SELECT count(*) AS n FROM ${qualified}`)).rows[0]?.n);
    }
    return counts;
  });
}

/** REAL values compared on both sides, and how many of them differ. */
export interface RealComparison {
  readonly compared: number;
  readonly differing: number;
}

/**
 * Compares the non-NULL REAL values of `table.column` in SQLite and PostgreSQL, row by row matched on
 * `key` (PostgreSQL ≥ 12 prints float8 in its shortest exact form, so equal doubles compare equal).
 * Rows missing from PostgreSQL are not compared. null when the table is missing.
 */
export async function compareReals(
  url: string,
  sqlitePath: string,
  table: string,
  key: string,
  column: string,
): Promise<RealComparison | null> {
  const source = new Map<string, number>();
  const db = new Database(sqlitePath, { readonly: true });
  try {
    const rows = db
      .prepare(`SELECT ${quoteIdent(key)} AS k, ${quoteIdent(column)} AS v FROM ${quoteIdent(table)}`)
      .raw()
      .iterate();
    for (const [k, v] of rows as Iterable<[unknown, unknown]>)
      if (typeof v === 'number') source.set(String(k), v);
  } finally {
    db.close();
  }
  return withClient(url, async (client) => {
    const qualified = await locate(client, table);
    if (qualified === null) return null;
    const { rows } = await client.query({
      text: `SELECT ${quoteIdent(key)}::text, ${quoteIdent(column)}::float8 FROM ${qualified}`,
      rowMode: 'array',
    });
    let compared = 0;
    let differing = 0;
    for (const [k, v] of rows as [string, number | null][]) {
      const expected = source.get(k);
      if (expected === undefined) continue;
      compared++;
      if (v !== expected) differing++;
    }
    return { compared, differing };
  });
}

/** The bench's PostgreSQL: its URL and, when the bench started it, the postmaster's pid (for its CPU). */
export interface BenchServer {
  readonly adminUrl: string;
  readonly pid: number | null;
  stop(): Promise<void>;
}

/**
 * The server a bench loads into: `pgUrl` when given, else an embedded PostgreSQL with its data in
 * `<outDir>/pg` (`throwaway`: fsync off). `stop()` stops only a server this started.
 */
export async function benchServer(
  outDir: string,
  pgUrl: string | undefined,
  throwaway: boolean,
  log: (line: string) => void,
): Promise<BenchServer> {
  if (pgUrl !== undefined) return { adminUrl: pgUrl, pid: null, stop: async () => undefined };
  const dataDir = join(outDir, 'pg');
  log(`starting embedded PostgreSQL in ${dataDir}`);
  const server = await startEmbeddedPostgres({ dataDir, throwaway });
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    adminUrl: server.url(),
    pid: Number.isInteger(pid) && pid > 0 ? pid : null,
    stop: () => server.stop(),
  };
}

/** Waits until the `litebridge sync` process `sync` has finished its snapshot; throws if it exits first. */
export async function snapshotDone(client: pg.Client, sync: Child, logPath: string): Promise<void> {
  await waitFor('the snapshot', 30 * 60_000, async () => {
    if (sync.process.exitCode !== null) throw new Error(`sync exited (see ${logPath})`);
    // litebridge.sources does not exist until sync has created it.
    const r = await client
      .query("SELECT 1 FROM litebridge.sources WHERE snapshot_state = 'done'")
      .catch(() => null);
    return r?.rowCount === 1 ? true : null;
  });
}

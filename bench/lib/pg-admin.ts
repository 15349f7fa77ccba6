import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/pg/embedded-server.js';
import { type Child, startSync, stopChild, waitFor } from './child.js';
import { log } from './harness.js';
import { cachedWorkload, workingCopy } from './workload-cache.js';

/** `adminUrl` pointed at another database. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Runs `work` with a client connected to `url`, then closes it (an error closing it is ignored). */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
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

/** Whether database `name` exists. */
export function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  return withClient(
    adminUrl,
    async (client) =>
      (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1,
  );
}

/** ANALYZE, as autovacuum would shortly after a load: plans then match a settled database. */
export async function analyze(url: string): Promise<void> {
  await withClient(url, (client) => client.query('ANALYZE'));
}

/** The server's version string. */
function serverVersion(adminUrl: string): Promise<string> {
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

/** The bench's PostgreSQL: its URL, version and, when the bench started it, the postmaster's pid (for its CPU). */
export interface BenchServer {
  readonly adminUrl: string;
  readonly pid: number | null;
  readonly postgres: string;
}

/** Where a bench's PostgreSQL is: its command-line values `--out`, `--pg-url`, `--fast` (see PG_OPTIONS). */
export interface ServerOptions {
  readonly out: string;
  /** Superuser URL of an existing server: used instead of starting one. */
  readonly 'pg-url'?: string | undefined;
  /** Start the embedded server with fsync off (default: durable settings). */
  readonly fast?: boolean | undefined;
  /** The embedded server's data folder inside `out` (default `pg`). */
  readonly dataDir?: string;
}

/**
 * Runs `work` against the bench's server: `--pg-url` when given, else an embedded PostgreSQL with
 * its data in `<out>/<dataDir>`, stopped afterwards (a server given by URL is left running).
 */
export async function withBenchServer<T>(
  options: ServerOptions,
  work: (server: BenchServer) => Promise<T>,
): Promise<T> {
  let adminUrl = options['pg-url'];
  let pid: number | null = null;
  let stop = async (): Promise<void> => undefined;
  if (adminUrl === undefined) {
    const dataDir = join(options.out, options.dataDir ?? 'pg');
    log(`starting embedded PostgreSQL in ${dataDir}`);
    const server = await startEmbeddedPostgres({ dataDir, throwaway: options.fast === true });
    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    adminUrl = server.url();
    pid = Number.isInteger(postmaster) && postmaster > 0 ? postmaster : null;
    stop = () => server.stop();
  }
  try {
    return await work({ adminUrl, pid, postgres: await serverVersion(adminUrl) });
  } finally {
    await stop();
  }
}

/** PostgreSQL's view of the source: snapshot state and checkpoint (null until sync has created it). */
export async function readCheckpoint(
  client: pg.Client,
): Promise<{ state: string; checkpoint: number } | null> {
  try {
    const { rows } = await client.query<{ snapshot_state: string; checkpoint_seq: string | null }>(
      'SELECT snapshot_state, checkpoint_seq FROM litebridge.sources LIMIT 1',
    );
    const row = rows[0];
    return row === undefined
      ? null
      : { state: row.snapshot_state, checkpoint: Number(row.checkpoint_seq ?? 0) };
  } catch {
    return null;
  }
}

/** Waits until the `litebridge sync` process `sync` has finished its snapshot; throws if it exits first. */
export async function snapshotDone(
  client: pg.Client,
  sync: Child,
  logPath: string,
  everyMs = 100,
): Promise<void> {
  await waitFor(
    'the snapshot',
    30 * 60_000,
    async () => {
      const code = sync.process.exitCode;
      if (code !== null) throw new Error(`sync exited with ${code} during the snapshot (see ${logPath})`);
      return (await readCheckpoint(client))?.state === 'done' ? true : null;
    },
    everyMs,
  );
}

/**
 * A bench that replicates a working copy of the workload live, named `name`: in its `outDir` the
 * copy `<name>-work.db`, the log the child processes append to `<name>.log` (emptied first), the
 * embedded server's data `pg-<name>`, and on it the fresh database `litebridge_<name>`.
 */
export interface LiveOptions {
  readonly name: string;
  readonly outDir: string;
  readonly rows: number;
  readonly seed: number;
  /** Another log file name in `outDir`. */
  readonly logName?: string;
  /** Another data folder in `outDir`. */
  readonly dataDir?: string;
}

/** What a live bench works with: the server's version, the files, the fresh database and a client of it. */
export interface LiveDatabase {
  readonly postgres: string;
  /** The cached workload the working copy `sqlite` was taken from. */
  readonly workload: string;
  readonly sqlite: string;
  readonly logPath: string;
  readonly url: string;
  readonly client: pg.Client;
}

/** Runs `work` on a fresh working copy of the workload and a fresh database on an embedded server. */
export async function withLiveDatabase<T>(
  options: LiveOptions,
  work: (live: LiveDatabase) => Promise<T>,
): Promise<T> {
  const { name, outDir } = options;
  const workload = cachedWorkload(outDir, options.rows, options.seed, log);
  const sqlite = workingCopy(workload, join(outDir, `${name}-work.db`));
  const logPath = join(outDir, options.logName ?? `${name}.log`);
  writeFileSync(logPath, '');
  return withBenchServer({ out: outDir, dataDir: options.dataDir ?? `pg-${name}` }, async (server) => {
    const { adminUrl, postgres } = server;
    const url = await freshDatabase(adminUrl, `litebridge_${name.replaceAll('-', '_')}`);
    return withClient(url, (client) => work({ postgres, workload, sqlite, logPath, url, client }));
  });
}

/** Runs `work` while `litebridge sync` follows the working copy, from the end of its snapshot; then stops it. */
export async function withSync<T>(live: LiveDatabase, work: (sync: Child) => Promise<T>): Promise<T> {
  const sync = startSync(live.sqlite, live.url, live.logPath);
  try {
    await snapshotDone(live.client, sync, live.logPath);
    return await work(sync);
  } finally {
    await stopChild(sync);
  }
}

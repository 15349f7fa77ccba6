import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Subject } from 'rxjs';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { BridgeError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import { runSync, type SyncResult } from '../../src/pipeline/run-sync.js';
import { verify } from '../support/bridge.js';
import { useOwnServer } from '../support/own-server.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

// A server of its own, fast-stopped (SIGINT to the postmaster, as `pg_ctl stop -m fast`) at each
// point of sync's shutdown; the suite's shared server must not be disturbed.
const own = useOwnServer('litebridge-shutdown-', { throwaway: true });

/** One sync run on `file`, stopped by `stop()`. */
function startSync(file: string, url: string) {
  const shutdown$ = new Subject<void>();
  let batches = 0;
  const done: Promise<SyncResult> = runSync(loadConfig({ sqlite: file, pg: url }, {}), silentLogger, {
    shutdown$,
    pollMs: 20,
    drift: { intervalMs: 200, chunksPerTick: 5 },
    onBatch: () => batches++,
  });
  const outcome = done.then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error }),
  );
  return { outcome, batches: () => batches, stop: () => shutdown$.next() };
}

/** What a failed sync says, as main would print it: a BridgeError's code, or INTERNAL. */
const codeOf = (error: unknown): string => (error instanceof BridgeError ? error.code : 'INTERNAL');

it('PostgreSQL fast-stopped at each point of sync shutdown: a TARGET error or a clean stop, never a bug, nothing lost', async () => {
  const start = () => own.start();
  let server = await start();
  const url = server.url('postgres');
  const file = tempSqlite('shutdown.db');
  const app = new Database(file);
  app.pragma('journal_mode = WAL');
  app.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
  let n = 0;
  const write = (rows: number): void => {
    const insert = app.prepare('INSERT OR REPLACE INTO items (id, n) VALUES (?, ?)');
    app.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run((n % 500) + 1, ++n);
    })();
  };
  write(200);

  // 1. Stop asked while a batch is in flight (waiting on a lock), then PostgreSQL fast-stopped:
  // the batch cannot commit, and sync says so as a TARGET error.
  let sync = startSync(file, url);
  await until(async () => sync.batches() > 0 || (await verify(file, url)).equal, 60_000);
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  locker.on('error', () => undefined); // terminated by the fast shutdown below
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
  write(50);
  await until(async () => {
    const waiting = await locker.query(
      "SELECT 1 FROM pg_stat_activity WHERE application_name = 'litebridge sync' AND wait_event_type = 'Lock'",
    );
    return waiting.rowCount === 1;
  }, 30_000);
  sync.stop();
  await server.stop();
  let { result, error } = await sync.outcome;
  expect(result).toBeUndefined();
  expect(codeOf(error)).toBe('TARGET');
  expect((error as Error).message).toMatch(
    /PostgreSQL failed while sync was stopping; changes \d+\.\.\d+ were not applied/,
  );

  // 2. PostgreSQL gone first, sync retrying; then the stop: reported at once as a TARGET error.
  server = await start();
  sync = startSync(file, url);
  await until(async () => (await verify(file, url)).equal, 60_000);
  await server.stop();
  write(50);
  await new Promise((r) => setTimeout(r, 1000)); // the batch fails and waits to retry
  const asked = Date.now();
  sync.stop();
  ({ result, error } = await sync.outcome);
  expect(codeOf(error)).toBe('TARGET');
  expect(Date.now() - asked).toBeLessThan(4000); // the retry's wait ends with the stop

  // 3. Nothing in flight: the stop and the fast shutdown at once (the drift observer and the
  // pools close while the server goes): sync stops cleanly, or names PostgreSQL; never a bug.
  server = await start();
  sync = startSync(file, url);
  await until(async () => (await verify(file, url)).equal, 60_000);
  sync.stop();
  await server.stop();
  ({ result, error } = await sync.outcome);
  expect(error === undefined ? 'stopped' : codeOf(error)).toMatch(/^(stopped|TARGET)$/);

  // Nothing was lost: a new run applies what the failed stops left, PostgreSQL equals SQLite.
  server = await start();
  sync = startSync(file, url);
  await until(async () => (await verify(file, url)).equal, 60_000);
  sync.stop();
  ({ result, error } = await sync.outcome);
  expect(error).toBeUndefined();
  app.close();
}, 240_000);

/**
 * A terminal's job: this harness starts an embedded PostgreSQL, then `litebridge sync` against
 * it, both in the harness's process group; like a shell it survives Ctrl-C and waits for sync.
 * Then it asks the server for `SELECT 1` (it must still run: Ctrl-C never reaches it), stops it
 * last, and exits with sync's code.
 */
const HARNESS = `
import { spawn } from 'node:child_process';
import pg from 'pg';
const [serverModule, cli, file, dataDir] = process.argv.slice(1);
const { startEmbeddedPostgres } = await import(serverModule);
process.on('SIGINT', () => undefined);
const server = await startEmbeddedPostgres({ dataDir, throwaway: true, persistent: false });
process.stdout.write('url ' + server.url() + '\\n');
const sync = spawn(process.execPath, [cli, 'sync', '--sqlite', file, '--pg', server.url(), '--poll', '50'], {
  stdio: 'inherit',
});
const code = await new Promise((resolve) => sync.once('exit', (c) => resolve(c ?? 128)));
const client = new pg.Client({ connectionString: server.url() });
const up = await client.connect().then(() => client.query('SELECT 1')).then(() => 'up', (e) => 'down: ' + e.message);
await client.end().catch(() => undefined);
process.stdout.write('server after sync: ' + up + '\\n');
await server.stop();
process.exit(code);
`;

it('Ctrl-C (SIGINT to the whole process group) of sync beside an embedded server: exit 0, its summary, the server stopped last', async () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const file = tempSqlite('ctrl-c.db');
  const app = new Database(file);
  app.pragma('journal_mode = WAL');
  app.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
  const insert = app.prepare('INSERT OR REPLACE INTO items (id, n) VALUES (?, ?)');
  let n = 0;
  const writing = setInterval(() => insert.run((n % 500) + 1, ++n), 2);
  const harness = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      HARNESS,
      pathToFileURL(join(root, 'dist/src/pg/embedded-server.js')).href,
      join(root, 'dist/src/cli/main.js'),
      file,
      join(own.folder, 'ctrl-c-pg'),
    ],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  harness.stdout.on('data', (d) => (out += String(d)));
  harness.stderr.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((resolve) => harness.once('exit', (code) => resolve(code)));
  try {
    await until(async () => /^url /m.test(out), 60_000);
    const url = /^url (\S+)$/m.exec(out)![1]!;
    await until(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return ((await client.query('SELECT count(*)::int AS c FROM items')).rows[0] as { c: number }).c > 0;
      } finally {
        await client.end();
      }
    }, 60_000);
    await new Promise((r) => setTimeout(r, 500)); // batches in flight, one after another
    process.kill(-harness.pid!, 'SIGINT');
    const code = await exited;
    expect(err).not.toMatch(/INTERNAL|TARGET/);
    expect(out).toMatch(/^sync stopped at checkpoint \d+ after [1-9]\d* events in \d+ batches$/m);
    expect(out).toMatch(/^server after sync: up$/m);
    expect(code).toBe(0);
  } finally {
    clearInterval(writing);
    app.close();
  }
}, 120_000);

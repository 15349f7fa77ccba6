import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/main.js';
import { buildVatsimDatabase } from '../../src/workload/vatsim.js';
import { writerWorkloadFile } from '../support/app-writer.js';
import { cutover, dropIdleSlots, startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const db = useTestDatabase();
process.env.LITEBRIDGE_LOG_LEVEL = 'silent';

/** Runs the CLI in this process; returns its exit code, stdout and stderr. */
async function cli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** `status --json` of a file, parsed. */
async function statusOf(file: string, ...extra: string[]): Promise<Record<string, unknown>> {
  const result = await cli(['status', '--sqlite', file, '--pg', db.url(), '--json', ...extra]);
  expect(result.code, result.err).toBe(EXIT.OK);
  return JSON.parse(result.out);
}

/** A TCP port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** The value of one sample on a Prometheus text page (`name` with its labels), or undefined. */
function sample(page: string, name: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('status while the first snapshot copies', () => {
  it('never shows backlog 0 before the snapshot is done; shows rows copied, total and ETA; the metrics show the same', async () => {
    const file = tempSqlite('collector.db');
    buildVatsimDatabase(file, { rows: 300_000, seed: 5 });
    const port = await freePort();
    const sync = spawn(
      CLI,
      ['sync', '--sqlite', file, '--pg', db.url(), '--poll', '50', '--metrics-port', String(port)],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LITEBRIDGE_LOG_LEVEL: 'error' } },
    );
    children.push(sync);
    let stderr = '';
    sync.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;

    const readings: Record<string, unknown>[] = [];
    const pages: string[] = [];
    await until(
      async () => {
        const status = await statusOf(file);
        readings.push(status);
        const page = await fetch(metricsUrl).then(
          (r) => r.text(),
          () => null,
        );
        if (page !== null) pages.push(page);
        return status.caughtUp === true;
      },
      120_000,
      100,
    );
    expect(stderr).toBe('');
    const before = readings.filter((r) => r.snapshot !== 'done');
    expect(before.length).toBeGreaterThan(0);
    for (const r of before) {
      expect(r).toMatchObject({ backlog: null, lagMs: null, caughtUp: false });
    }
    const copying = before.filter((r) => r.snapshotProgress !== null);
    expect(copying.length, 'status showed the copy in progress at least once').toBeGreaterThan(0);
    for (const r of copying) {
      const p = r.snapshotProgress as { rowsCopied: number; rowsTotal: number; etaSeconds: number | null };
      expect(p.rowsTotal).toBe(300_000);
      expect(p.rowsCopied).toBeGreaterThanOrEqual(0);
      expect(p.rowsCopied).toBeLessThanOrEqual(300_000);
    }
    // Once done, the backlog is a figure read from both sides, and the file is caught up.
    const last = readings.at(-1)!;
    expect(last).toMatchObject({
      snapshot: 'done',
      backlog: 0,
      lagMs: 0,
      caughtUp: true,
      snapshotProgress: null,
    });

    // The metrics: backlog unknown (NaN) while the snapshot copies, its progress, the phase.
    const during = pages.filter((p) => sample(p, 'litebridge_phase{phase="snapshot"}') === 1);
    expect(during.length).toBeGreaterThan(0);
    for (const p of during) {
      expect(sample(p, 'litebridge_backlog_events')).toBeNaN();
      expect(sample(p, 'litebridge_caught_up')).toBe(0);
    }
    expect(during.some((p) => sample(p, 'litebridge_snapshot_rows_total') === 300_000)).toBe(true);
    const now = await fetch(metricsUrl).then((r) => r.text());
    expect(sample(now, 'litebridge_status_up')).toBe(1);
    expect(sample(now, 'litebridge_backlog_events')).toBe(0);
    expect(sample(now, 'litebridge_caught_up')).toBe(1);
    expect(sample(now, 'litebridge_phase{phase="forward"}')).toBe(1);
    expect(sample(now, 'litebridge_snapshot_rows_total')).toBeNaN();

    // --wait-synced returns at once when caught up.
    const wait = await cli([
      'status',
      '--sqlite',
      file,
      '--pg',
      db.url(),
      '--wait-synced',
      '--timeout',
      '30',
    ]);
    expect(wait.code, wait.err).toBe(EXIT.OK);
    expect(wait.out).toMatch(/caught up\s+yes/);

    // After cutover, the reverse slot's retained WAL.
    expect((await cutover(file, db.url())).status).toBe('switched');
    let page = '';
    await until(async () => {
      page = await fetch(metricsUrl).then((r) => r.text());
      return sample(page, 'litebridge_phase{phase="cutover"}') === 1;
    });
    const retained = page.split('\n').find((l) => l.startsWith('litebridge_slot_retained_wal_bytes{slot="'));
    expect(retained, page).toBeDefined();
    expect(Number(retained!.split(' ')[1])).toBeGreaterThanOrEqual(0);

    sync.kill('SIGTERM');
    await new Promise((resolve) => sync.once('exit', resolve));
    await dropIdleSlots(db.query);
  }, 240_000);
});

describe('status when a side cannot be read', () => {
  it('exits 2 naming PostgreSQL when it is unreachable, and shows no figure', async () => {
    const file = writerWorkloadFile(tempSqlite('down.db'), 10);
    const port = await freePort();
    const url = `postgres://postgres@127.0.0.1:${port}/atc`;
    const text = await cli(['status', '--sqlite', file, '--pg', url]);
    expect(text.code).toBe(EXIT.ERROR);
    expect(text.out).toBe('');
    expect(text.err).toContain(`cannot read PostgreSQL at postgres://postgres@127.0.0.1:${port}/atc`);
    expect(text.err).toMatch(/ECONNREFUSED/);
    const json = await cli(['status', '--sqlite', file, '--pg', url, '--json']);
    expect(json.code).toBe(EXIT.ERROR);
    const printed = JSON.parse(json.out);
    expect(printed.error.code).toBe('TARGET');
    expect(printed).not.toHaveProperty('backlog');
    // The wait ends at once with the error, not with a timeout.
    const wait = await cli(['status', '--sqlite', file, '--pg', url, '--wait-synced', '--timeout', '30']);
    expect(wait.code).toBe(EXIT.ERROR);
  });

  it('exits 2 naming the SQLite file when it is missing', async () => {
    const missing = join(tempSqlite('x.db'), '..', 'missing.db');
    const result = await cli(['status', '--sqlite', missing, '--pg', db.url()]);
    expect(result.code).toBe(EXIT.ERROR);
    expect(result.out).toBe('');
    expect(result.err).toContain('missing.db');
  });
});

describe('status --wait-synced', () => {
  it('exits 3 when the timeout passes before the source is caught up, printing the last reading', async () => {
    const file = writerWorkloadFile(tempSqlite('behind.db'), 200);
    const waitSynced = (seconds: number) =>
      cli([
        'status',
        '--sqlite',
        file,
        '--pg',
        db.url(),
        '--schema',
        'behind',
        '--wait-synced',
        '--timeout',
        String(seconds),
        '--json',
      ]);
    const sync = startSync(file, db.url(), 'behind');
    await sync.snapshotted();
    await until(async () => (await statusOf(file, '--schema', 'behind')).caughtUp === true);
    await sync.stop();
    const app = new Database(file);
    app.exec('INSERT INTO late (n) VALUES (1)');
    app.close();
    const started = Date.now();
    const result = await waitSynced(1);
    expect(result.code).toBe(EXIT.TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(JSON.parse(result.out)).toMatchObject({ snapshot: 'done', backlog: 1, caughtUp: false });

    // Sync catches up: the same wait now ends with 0.
    const again = startSync(file, db.url(), 'behind');
    const caught = await waitSynced(60);
    await again.stop();
    expect(caught.code, caught.err).toBe(EXIT.OK);
    expect(JSON.parse(caught.out)).toMatchObject({ backlog: 0, caughtUp: true });
  });
});

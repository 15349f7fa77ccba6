import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { writerWorkloadFile } from '../support/app-writer.js';
import { verify } from '../support/bridge.js';
import { dropIdleSlots } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const TRIALS = 8;

function run(args: readonly string[]): ChildProcess {
  return spawn(CLI, [...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LITEBRIDGE_LOG_LEVEL: 'error' },
  });
}

function finished(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += String(d)));
  child.stderr?.on('data', (d) => (err += String(d)));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

it(`a cutover SIGKILLed at ${TRIALS} random points is completed by the next one; rollback brings SQLite back each time`, async () => {
  const file = writerWorkloadFile(tempSqlite('killed.db'), 5_000);
  const conn = ['--sqlite', file, '--pg', db.url()];
  const sync = run(['sync', ...conn, '--poll', '50']);
  const syncEnd = finished(sync);
  const equal = async () => (await verify(file, db.url())).equal;
  await until(equal, 60_000);
  const app = new Database(file);
  try {
    for (let trial = 0; trial < TRIALS; trial++) {
      app.prepare('INSERT INTO late (n) VALUES (?)').run(trial);
      const doomed = run(['cutover', ...conn]);
      const gone = finished(doomed);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1200)));
      doomed.kill('SIGKILL');
      await gone;
      const again = await finished(run(['cutover', ...conn, '--json']));
      expect(again.code, again.out + again.err).toBe(0);
      expect(['switched', 'already']).toContain(JSON.parse(again.out).status);
      expect(await equal()).toBe(true);
      expect(() => app.prepare('INSERT INTO late (n) VALUES (-1)').run()).toThrow(/moved to PostgreSQL/);
      const back = await finished(run(['rollback', ...conn, '--json']));
      expect(back.code, back.out + back.err).toBe(0);
      expect(JSON.parse(back.out).status).toBe('rolled-back');
    }
    app.prepare('INSERT INTO late (n) VALUES (?)').run(999);
    await until(equal);
  } finally {
    app.close();
  }
  sync.kill('SIGTERM');
  const end = await syncEnd;
  expect(end.code, end.err).toBe(0);
  await dropIdleSlots(db.query);
}, 180_000);

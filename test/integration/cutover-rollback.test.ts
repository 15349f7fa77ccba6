import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/load.js';
import { runFinish } from '../../src/cutover/run-finish.js';
import { runRollback } from '../../src/cutover/run-rollback.js';
import { silentLogger } from '../../src/log/logger.js';
import { startAppWriter, writerWorkloadFile } from '../support/app-writer.js';
import { verify } from '../support/bridge.js';
import { cutover, dropIdleSlots, startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();

/** Runs a CLI command in this process; returns its exit code and stdout. */
async function cli(args: readonly string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(args, { out: (t) => (out += t), err: () => undefined });
  return { code, out };
}

it('writer on SQLite → sync → cutover → PostgreSQL writes reach SQLite → rollback → SQLite writes reach PostgreSQL → finish', async () => {
  const file = writerWorkloadFile(tempSqlite('e2e.db'), 1_000);
  const args = ['--sqlite', file, '--pg', db.url()];
  const config = loadConfig({ sqlite: file, pg: db.url() }, {});
  const noDrift = async () => (await cli(['drift-report', ...args])).code === 0;
  const equal = async () => (await verify(file, db.url())).equal;
  const sync = startSync(file, db.url());
  await sync.snapshotted();
  await until(equal);
  expect(await noDrift()).toBe(true);

  // The application writes SQLite while sync runs, then meets the fence at cutover.
  const app = await startAppWriter(file, 5000);
  await until(
    async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM late')).rows[0]!.n > 50,
  );
  const switched = await cutover(file, db.url());
  const written = await app.stop();
  expect(switched.status).toBe('switched');
  expect(written.errors.length).toBeGreaterThan(0);
  expect(written.errors.every((e) => e.includes('moved to PostgreSQL'))).toBe(true);
  expect(await equal()).toBe(true);
  expect(await noDrift()).toBe(true);

  // The application moved to PostgreSQL: inserts with default ids, updates, deletes.
  await db.query('INSERT INTO late (n) SELECT g FROM generate_series(1, 200) AS g');
  await db.query("UPDATE big SET payload = 'from postgres' WHERE id <= 10");
  await db.query('DELETE FROM big WHERE id BETWEEN 11 AND 20');
  await until(equal);
  expect(await noDrift()).toBe(true);
  const status = JSON.parse((await cli(['status', ...args, '--json'])).out);
  expect(status).toMatchObject({ phase: 'cutover', fenced: true, slot: { active: true, warning: null } });

  // Rollback: more PostgreSQL writes are drained into SQLite, then the fence comes down.
  await db.query('INSERT INTO late (n) VALUES (-7)');
  const back = await runRollback(config, silentLogger);
  expect(back).toMatchObject({ status: 'rolled-back', capturedMeanwhile: 0 });
  expect(await equal()).toBe(true);
  const source = new Database(file);
  expect(source.prepare('SELECT count(*) AS n FROM late WHERE n = -7').get()).toEqual({ n: 1 });
  expect(
    (
      await db.query(
        'SELECT count(*)::int AS n FROM pg_replication_slots WHERE database = current_database()',
      )
    ).rows[0]!.n,
  ).toBe(0);

  // SQLite is the primary again: its writes reach PostgreSQL through the same sync process.
  source.prepare('INSERT INTO late (n) VALUES (?)').run(-8);
  source.prepare('UPDATE big SET payload = ? WHERE id = 1').run('back on sqlite');
  await until(
    async () =>
      (await db.query('SELECT payload FROM big WHERE id = 1')).rows[0]!.payload === 'back on sqlite',
  );
  await until(equal);
  expect(await noDrift()).toBe(true);
  expect((await cli(['status', ...args, '--json'])).out).toContain('"phase": "rolled-back"');

  // A second cutover, then finish: sync stops by itself, capture goes, the fence stays for good.
  expect((await cutover(file, db.url())).status).toBe('switched');
  await db.query("UPDATE big SET payload = 'last' WHERE id = 2");
  const finished = await runFinish(config, silentLogger);
  expect(finished.status).toBe('finished');
  await sync.done;
  expect(await equal()).toBe(true);
  expect(() => source.prepare('INSERT INTO late (n) VALUES (1)').run()).toThrow(/moved to PostgreSQL/);
  const leftovers = source
    .prepare(
      "SELECT name FROM sqlite_schema WHERE name LIKE '\\_litebridge\\_%' ESCAPE '\\' AND type = 'table'",
    )
    .all();
  expect(leftovers).toEqual([]);
  source.close();
  expect((await runFinish(config, silentLogger)).status).toBe('already');
  await dropIdleSlots(db.query);
}, 120_000);

it('rollback without a running sync drains reverse replication itself, then sync resumes forward', async () => {
  const file = writerWorkloadFile(tempSqlite('alone.db'), 200);
  const config = loadConfig({ sqlite: file, pg: db.url(), schema: 'alone' }, {});
  const equal = async () => (await verify(file, db.url(), { schema: 'alone' })).equal;
  const first = startSync(file, db.url(), 'alone');
  await first.snapshotted();
  await until(equal);
  expect((await cutover(file, db.url(), {}, 'alone')).status).toBe('switched');
  await first.stop();
  // Written on PostgreSQL while nothing streams: only the rollback's drain can bring them over.
  await db.query('INSERT INTO alone.late (n) SELECT -g FROM generate_series(1, 20) AS g');
  await db.query("UPDATE alone.big SET payload = 'while alone' WHERE id = 3");
  const back = await runRollback(config, silentLogger);
  expect(back).toMatchObject({ status: 'rolled-back', transactions: 2 });
  expect(await equal()).toBe(true);
  expect((await runRollback(config, silentLogger)).status).toBe('nothing');
  const second = startSync(file, db.url(), 'alone');
  const app = new Database(file);
  app.prepare('INSERT INTO late (n) VALUES (?)').run(12345);
  app.close();
  await until(async () => (await db.query('SELECT 1 FROM alone.late WHERE n = 12345')).rowCount === 1);
  await second.stop();
});

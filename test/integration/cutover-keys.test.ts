import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/load.js';
import { runFinish } from '../../src/cutover/run-finish.js';
import { runRollback } from '../../src/cutover/run-rollback.js';
import { silentLogger } from '../../src/log/logger.js';
import { slotName } from '../../src/pg/replication.js';
import { verify } from '../support/bridge.js';
import { cutover, dropIdleSlots, startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();
process.env.LITEBRIDGE_LOG_LEVEL = 'silent';

/** Runs a CLI command in this process; returns its exit code and stdout. */
async function cli(args: readonly string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(args, { out: (t) => (out += t), err: () => undefined });
  return { code, out };
}

const SCHEMA = `
  CREATE TABLE tag (name TEXT PRIMARY KEY, note TEXT);
  CREATE TABLE pair (a INTEGER NOT NULL, b TEXT NOT NULL, v REAL, PRIMARY KEY (a, b));
  CREATE TABLE word (w TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
  CREATE TABLE loose (label TEXT, n INTEGER);
  CREATE TABLE counter (id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT);
`;

it('text, composite, WITHOUT ROWID, rowid-keyed and AUTOINCREMENT tables through cutover → reverse → rollback → cutover → finish', async () => {
  const file = tempSqlite('keys.db');
  const app = new Database(file);
  app.pragma('journal_mode = WAL');
  app.exec(SCHEMA);
  const seed = app.transaction(() => {
    for (let i = 1; i <= 20; i++) {
      app.prepare('INSERT INTO tag VALUES (?, ?)').run(`t${i}`, `note ${i}`);
      app.prepare('INSERT INTO pair VALUES (?, ?, ?)').run(i, `b${i}`, i / 3);
      app.prepare('INSERT INTO word VALUES (?, ?)').run(`w${i}`, i);
      app.prepare('INSERT INTO loose VALUES (?, ?)').run(`l${i}`, i);
      app.prepare('INSERT INTO counter (label) VALUES (?)').run(`c${i}`);
    }
    // AUTOINCREMENT high-water mark above the max id: ids 21..30 were used and deleted.
    app.prepare("UPDATE sqlite_sequence SET seq = 30 WHERE name = 'counter'").run();
  });
  seed();
  const args = ['--sqlite', file, '--pg', db.url()];
  const config = loadConfig({ sqlite: file, pg: db.url() }, {});
  const equal = async () => (await verify(file, db.url())).equal;
  const noDrift = async () => (await cli(['drift-report', ...args])).code;
  const sync = startSync(file, db.url());
  await sync.snapshotted();
  await until(equal);
  expect(await noDrift()).toBe(0);

  expect((await cutover(file, db.url())).status).toBe('switched');
  expect(await noDrift()).toBe(0);
  expect(JSON.parse((await cli(['status', ...args, '--json'])).out)).toMatchObject({
    phase: 'cutover',
    fenced: true,
    backlog: 0,
    slot: { slot: slotName(db.name(), 'keys'), warning: null },
  });

  // The application on PostgreSQL: default ids, key changes, delete + insert of one key.
  await db.query("INSERT INTO tag VALUES ('pg1', 'from pg')");
  await db.query("UPDATE tag SET name = 't1-renamed' WHERE name = 't1'");
  await db.query("UPDATE pair SET b = 'moved' WHERE a = 2 AND b = 'b2'");
  await db.query("UPDATE word SET w = 'w2x' WHERE w = 'w2'");
  await db.query("BEGIN; DELETE FROM word WHERE w = 'w3'; INSERT INTO word VALUES ('w3', 333); COMMIT");
  await db.query("BEGIN; DELETE FROM tag WHERE name = 't4'; INSERT INTO tag VALUES ('t4', 'again'); COMMIT");
  await db.query("INSERT INTO loose (label, n) VALUES ('pg-loose', 1)");
  await db.query("UPDATE loose SET n = 99 WHERE label = 'l5'");
  await db.query("INSERT INTO counter (label) VALUES ('pg-counter')");
  const pgCounter = (await db.query("SELECT id::text FROM counter WHERE label = 'pg-counter'")).rows[0]!.id;
  expect(BigInt(pgCounter)).toBeGreaterThan(30n);
  await until(equal);
  expect(await noDrift()).toBe(0);

  const back = await runRollback(config, silentLogger);
  expect(back.status).toBe('rolled-back');
  expect(JSON.parse((await cli(['status', ...args, '--json'])).out)).toMatchObject({
    phase: 'rolled-back',
    fenced: false,
    slot: null,
  });
  expect(await equal()).toBe(true);

  // SQLite again: default ids must not collide with what PostgreSQL handed out.
  app.prepare('INSERT INTO loose (label, n) VALUES (?, ?)').run('sqlite-loose', 2);
  app.prepare('INSERT INTO counter (label) VALUES (?)').run('sqlite-counter');
  const sqliteCounter = app.prepare("SELECT id FROM counter WHERE label = 'sqlite-counter'").pluck().get();
  expect(BigInt(sqliteCounter as number)).toBeGreaterThan(BigInt(pgCounter));
  app.prepare('UPDATE tag SET name = ? WHERE name = ?').run('t6-renamed', 't6');
  await until(
    async () => (await db.query("SELECT 1 FROM loose WHERE label = 'sqlite-loose'")).rowCount === 1,
  );
  await until(equal);
  expect(await noDrift()).toBe(0);

  expect((await cutover(file, db.url())).status).toBe('switched');
  await db.query("INSERT INTO loose (label, n) VALUES ('pg-loose-2', 3)");
  await db.query("INSERT INTO counter (label) VALUES ('pg-counter-2')");
  await until(equal);
  expect(await noDrift()).toBe(0);
  expect((await runFinish(config, silentLogger)).status).toBe('finished');
  await sync.done;
  expect(await equal()).toBe(true);
  expect(JSON.parse((await cli(['status', ...args, '--json'])).out)).toMatchObject({
    phase: 'finished',
    fenced: true,
    captureInstalled: false,
    head: null,
    slot: null,
  });
  app.close();
  await dropIdleSlots(db.query);
}, 120_000);

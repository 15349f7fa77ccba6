import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { snapshot, verify } from '../support/bridge.js';
import { cutover, dropIdleSlots, startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();

/** Text SQLite stores as UTF-16 in such a file; U+FFFD is a character like any other there. */
const NAMES = ['héllo wörld', 'emoji 😀 and ÿ', 'replacement \uFFFD char', 'ascii'];

it('a UTF-16 database (PRAGMA encoding) snapshots, syncs, cuts over and takes PostgreSQL writes back, U+FFFD included', async () => {
  const file = tempSqlite('utf16.db');
  const app = new Database(file);
  app.pragma("encoding = 'UTF-16le'");
  app.pragma('journal_mode = WAL');
  app.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, code TEXT COLLATE NOCASE UNIQUE)');
  const insert = app.prepare('INSERT INTO t (id, name, code) VALUES (?, ?, ?)');
  for (const [i, name] of NAMES.entries()) insert.run(i + 1, name, `C${i}`);
  expect(app.pragma('encoding', { simple: true })).toBe('UTF-16le');

  const sync = startSync(file, db.url());
  await sync.snapshotted();
  const equal = async () => (await verify(file, db.url())).equal;
  expect(await equal()).toBe(true);
  const pgNames = await db.query<{ name: string }>('SELECT name FROM t ORDER BY id');
  expect(pgNames.rows.map((r) => r.name)).toEqual(NAMES);

  // Live changes, a NOCASE key rewritten in another case among them.
  insert.run(10, 'later \uFFFD row', 'c10');
  app.prepare("UPDATE t SET code = 'c0', name = 'renamed ñ' WHERE id = 1").run();
  await until(equal);

  const result = await cutover(file, db.url());
  expect(result.status).toBe('switched');
  await db.query("INSERT INTO t (id, name, code) VALUES (20, 'from PostgreSQL \uFFFD ü', 'pg20')");
  const inSqlite = () => app.prepare('SELECT name FROM t WHERE id = 20').pluck().get();
  await until(async () => inSqlite() !== undefined);
  expect(inSqlite()).toBe('from PostgreSQL \uFFFD ü');
  expect(await equal()).toBe(true);
  app.close();
  await sync.stop();
  await dropIdleSlots(db.query);
}, 60_000);

it('a lone surrogate in a UTF-16 database is refused, not turned into another character', async () => {
  const file = tempSqlite('lone.db');
  const app = new Database(file);
  app.pragma("encoding = 'UTF-16le'");
  app.pragma('journal_mode = WAL');
  // D800 then 'A': SQLite would read it back as U+10041, a character nobody wrote.
  app.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);
            INSERT INTO t VALUES (1, 'emoji 😀 is fine'), (2, CAST(x'00d84100' AS TEXT))`);
  app.close();
  await expect(snapshot(file, db.url(), { schema: 'lone' })).rejects.toThrow(/key id=2, column "name"/);
});

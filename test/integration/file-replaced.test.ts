import { copyFileSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { writerWorkloadFile } from '../support/app-writer.js';
import { verify } from '../support/bridge.js';
import { cutover, dropIdleSlots, startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();

/** Puts a copy of `file` in its place, as restoring a backup with `mv` does. */
function replaceWithCopy(file: string): void {
  copyFileSync(file, `${file}.restored`);
  renameSync(`${file}.restored`, file);
}

it('sync stops, naming the file, when another file takes the SQLite file name (forward)', async () => {
  const file = writerWorkloadFile(tempSqlite('replaced.db'), 100);
  const sync = startSync(file, db.url(), 'fwd');
  await sync.snapshotted();
  await until(async () => (await verify(file, db.url(), { schema: 'fwd' })).equal);
  replaceWithCopy(file);
  const app = new Database(file);
  app.prepare('INSERT INTO late (n) VALUES (1)').run();
  app.close();
  await expect(sync.done).rejects.toThrow(/replaced\.db was replaced by another file/);
}, 60_000);

it('reverse replication stops instead of writing into a file that no longer has the name', async () => {
  const file = writerWorkloadFile(tempSqlite('replaced-rev.db'), 100);
  const sync = startSync(file, db.url(), 'rev');
  await sync.snapshotted();
  await until(async () => (await verify(file, db.url(), { schema: 'rev' })).equal);
  expect((await cutover(file, db.url(), {}, 'rev')).status).toBe('switched');
  replaceWithCopy(file);
  await db.query('INSERT INTO rev.late (n) VALUES (2)');
  await expect(sync.done).rejects.toThrow(/replaced-rev\.db was replaced by another file/);
  await dropIdleSlots(db.query);
}, 60_000);

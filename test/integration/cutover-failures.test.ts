import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { CutoverStep } from '../../src/cutover/run-cutover.js';
import { slotName } from '../../src/pg/replication.js';
import { fenceState } from '../../src/sqlite/fence.js';
import { openSqlite } from '../../src/sqlite/open.js';
import { writerWorkloadFile } from '../support/app-writer.js';
import { verify } from '../support/bridge.js';
import { cutover, dropIdleSlots, failAfter, killedCutover, startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();
const STEPS: readonly CutoverStep[] = ['fence', 'drain', 'checksum', 'setval', 'switch'];

function fenced(file: string): boolean {
  const s = openSqlite(file, { readonly: true });
  try {
    return fenceState(s).installed;
  } finally {
    s.close();
  }
}

async function phaseOf(file: string): Promise<{ phase: string; verified: string | null }> {
  const name = file.split('/').pop()!.replace(/\.db$/, '');
  const r = await db.query<{ phase: string; verified: string | null }>(
    'SELECT phase, verified_seq::text AS verified FROM litebridge.sources WHERE source_id = $1',
    [name],
  );
  return r.rows[0]!;
}

async function slots(): Promise<string[]> {
  const r = await db.query<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots ORDER BY 1');
  return r.rows.map((row) => row.slot_name);
}

/** A file synced into its own schema, with writes waiting in the changelog when sync is stopped. */
async function prepared(name: string) {
  const file = writerWorkloadFile(tempSqlite(`${name}.db`), 500);
  const sync = startSync(file, db.url(), name);
  const equal = async () => (await verify(file, db.url(), { schema: name })).equal;
  await sync.snapshotted();
  await until(equal);
  const app = new Database(file);
  const write = (n: number) => app.prepare('INSERT INTO late (n) VALUES (?)').run(n);
  for (let i = 1; i <= 50; i++) write(i);
  app.prepare('UPDATE big SET payload = ? WHERE id < 20').run('updated');
  return { file, sync, app, write, equal };
}

describe('a cutover that fails at a step is undone: sync goes on forward, a second cutover completes', () => {
  for (const step of STEPS) {
    it(`fails after "${step}"`, async () => {
      const name = `undo_${step}`;
      const { file, sync, app, write, equal } = await prepared(name);
      await expect(cutover(file, db.url(), {}, name, failAfter(step))).rejects.toThrow(
        `after step "${step}"`,
      );
      expect(fenced(file)).toBe(false);
      expect(await phaseOf(file)).toEqual({ phase: 'forward', verified: null });
      expect(await slots()).not.toContain(slotName(db.name(), name));
      // The application writes SQLite again, and sync still carries its writes.
      write(1000);
      await until(equal);
      const result = await cutover(file, db.url(), {}, name);
      expect(result.status).toBe('switched');
      expect(fenced(file)).toBe(true);
      expect((await verify(file, db.url(), { schema: name })).equal).toBe(true);
      app.close();
      await sync.stop();
      await dropIdleSlots(db.query);
    }, 60_000);
  }
});

it('a failure after the switch committed leaves the cutover standing: fence, slot and phase stay', async () => {
  const name = 'after_switch';
  const { file, sync, app, write } = await prepared(name);
  await expect(cutover(file, db.url(), {}, name, failAfter('switched'))).rejects.toThrow(
    'after step "switched"',
  );
  // Undoing here would hand SQLite back to the application while PostgreSQL is the primary.
  expect(fenced(file)).toBe(true);
  expect((await phaseOf(file)).phase).toBe('cutover');
  expect(await slots()).toContain(slotName(db.name(), name));
  expect(() => write(3000)).toThrow(/moved to PostgreSQL/);
  expect((await cutover(file, db.url(), {}, name)).status).toBe('already');
  app.close();
  await sync.stop();
  await dropIdleSlots(db.query);
}, 60_000);

describe('a cutover killed at a step leaves a state a second cutover completes', () => {
  for (const step of STEPS) {
    it(`killed after "${step}"`, async () => {
      const name = `kill_${step}`;
      const { file, sync, app, write } = await prepared(name);
      await expect(killedCutover(file, db.url(), step, name)).rejects.toThrow(step);
      // Killed: the PostgreSQL transaction is gone with its session, the fence and slot stay.
      expect(fenced(file)).toBe(true);
      expect((await phaseOf(file)).phase).toBe('forward');
      expect(() => write(2000)).toThrow(/moved to PostgreSQL/);
      const result = await cutover(file, db.url(), {}, name);
      expect(result.status).toBe('switched');
      expect((await verify(file, db.url(), { schema: name })).equal).toBe(true);
      expect(await slots()).toContain(slotName(db.name(), name));
      app.close();
      await sync.stop();
      await dropIdleSlots(db.query);
    }, 60_000);
  }
});

it('drains a backlog itself when sync is not running, and refuses a backlog above --max-backlog', async () => {
  const name = 'nosync';
  const { file, sync, write } = await prepared(name);
  await until(async () => (await verify(file, db.url(), { schema: name })).equal);
  await sync.stop();
  for (let i = 0; i < 30; i++) write(5000 + i);
  await expect(cutover(file, db.url(), { maxBacklog: 10 }, name)).rejects.toThrow(/backlog: 30 events/);
  expect(fenced(file)).toBe(false);
  const result = await cutover(file, db.url(), {}, name);
  expect(result.status).toBe('switched');
  expect(result.drained?.events).toBe(30);
  expect((await verify(file, db.url(), { schema: name })).equal).toBe(true);
  await dropIdleSlots(db.query);
}, 60_000);

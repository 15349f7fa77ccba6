import { expect, it } from 'vitest';
import { createPool } from '../../src/pg/pool.js';
import { replicationName, slotStatus } from '../../src/pg/replication.js';
import { writerWorkloadFile } from '../support/app-writer.js';
import { verify } from '../support/bridge.js';
import { cutover, dropIdleSlots, startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

// Two collectors, each with its own `atc_optimization.db`, migrated into two databases of one server.
const first = useTestDatabase();
const second = useTestDatabase();
const upgraded = useTestDatabase();

it('two sources of the same base name cut over into two databases of one server, each with its own slot', async () => {
  const files = [tempSqlite('atc_optimization.db'), tempSqlite('atc_optimization.db')].map((f) =>
    writerWorkloadFile(f, 500),
  );
  const urls = [first.url(), second.url()];
  const slots: string[] = [];
  for (const [i, file] of files.entries()) {
    const sync = startSync(file, urls[i]!);
    await sync.snapshotted();
    await until(async () => (await verify(file, urls[i]!)).equal);
    const result = await cutover(file, urls[i]!);
    expect(result.status).toBe('switched');
    await sync.stop();
    const pool = createPool(urls[i]!, { max: 1 });
    try {
      const slot = await slotStatus(pool, 'atc_optimization');
      expect(slot).not.toBeNull();
      slots.push(slot!.slot);
    } finally {
      await pool.end();
    }
  }
  expect(slots[0]).not.toBe(slots[1]);
  await dropIdleSlots(first.query);
  await dropIdleSlots(second.query);
}, 120_000);

it('keeps using the slot an earlier version created under the old name in this database', async () => {
  const file = writerWorkloadFile(tempSqlite('legacy.db'), 200);
  const legacy = replicationName('legacy');
  const sync = startSync(file, upgraded.url());
  await sync.snapshotted();
  await until(async () => (await verify(file, upgraded.url())).equal);
  // What an older litebridge's cutover left: its publication and a slot named after the source only.
  await upgraded.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [legacy]);
  const result = await cutover(file, upgraded.url());
  expect(result.status).toBe('switched');
  await sync.stop();
  const slots = await upgraded.query<{ slot_name: string }>(
    'SELECT slot_name FROM pg_replication_slots WHERE database = current_database()',
  );
  expect(slots.rows.map((r) => r.slot_name)).toEqual([legacy]);
  await dropIdleSlots(upgraded.query);
}, 120_000);

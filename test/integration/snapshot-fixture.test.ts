import { describe, expect, it } from 'vitest';
import { snapshot, verify } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { copyFixture } from '../support/sqlite.js';

const db = useTestDatabase();

describe('snapshot of the real collector file', () => {
  it('copies every table and verifies equal, value by value', async () => {
    const file = copyFixture();
    const result = await snapshot(file, db.url());
    const rows = Object.fromEntries(result.tables.map((t) => [t.table, t.rows]));
    expect(rows.flights).toBe(3550);
    expect(rows.controllers).toBe(377);
    expect(rows.traffic_movements).toBe(14);
    expect(result.rejected).toBe(0);

    const check = await verify(file, db.url());
    expect(check.tables.filter((t) => !t.equal)).toEqual([]);
    expect(check.equal).toBe(true);
    expect(check.tables.map((t) => t.table).sort()).toContain('movement_summaries');
  });

  it('translates types without losing data and keeps SMALLINT values past 32767', async () => {
    const types = await db.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'flights' ORDER BY ordinal_position`,
    );
    const byName = Object.fromEntries(types.rows.map((r) => [r.column_name, r.data_type]));
    expect(byName).toMatchObject({
      id: 'bigint',
      callsign: 'text',
      altitude_small: 'bigint',
      last_updated: 'timestamp without time zone',
      position: 'text',
    });
    const big = await db.query('SELECT count(*)::int AS n FROM flights WHERE altitude_small > 32767');
    expect(big.rows[0]?.n).toBeGreaterThan(0);
    const score = await db.query<{ t: string }>(
      'SELECT confidence_score::text AS t FROM traffic_movements WHERE id = 1',
    );
    // All 17 significant digits: the sqlite3 shell would print only 15 (0.987039528157458).
    expect(score.rows[0]?.t).toBe('0.9870395281574583');
  });

  it('creates primary keys, unique indexes and foreign keys NOT VALID, and reports dangling rows', async () => {
    const pk = await db.query(
      "SELECT conname FROM pg_constraint WHERE conrelid = 'public.flights'::regclass AND contype = 'p'",
    );
    expect(pk.rowCount).toBe(1);
    const unique = await db.query(
      "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname = 'ix_controllers_callsign' AND indexdef LIKE 'CREATE UNIQUE%'",
    );
    expect(unique.rowCount).toBe(1);
    const fks = await db.query<{ convalidated: boolean }>(
      "SELECT convalidated FROM pg_constraint WHERE conrelid = 'public.traffic_movements'::regclass AND contype = 'f'",
    );
    expect(fks.rowCount).toBe(1);
    expect(fks.rows[0]!.convalidated).toBe(false);
  });

  it('sets identities past the max so an insert with a default id succeeds', async () => {
    const before = await db.query<{ m: string }>('SELECT max(id)::text AS m FROM movement_summaries');
    const inserted = await db.query<{ id: string }>(
      "INSERT INTO movement_summaries (airport_icao, movement_type, date, hour) VALUES ('YSSY', 'arrival', now(), 3) RETURNING id::text",
    );
    expect(BigInt(inserted.rows[0]!.id)).toBeGreaterThan(BigInt(before.rows[0]!.m ?? '0'));
    const maxFlight = await db.query<{ m: string }>('SELECT max(id)::text AS m FROM flights');
    const flight = await db.query<{ id: string }>(
      "INSERT INTO flights (callsign) VALUES ('TEST1') RETURNING id::text",
    );
    expect(BigInt(flight.rows[0]!.id)).toBeGreaterThan(BigInt(maxFlight.rows[0]!.m));
  });

  it('gives the same copy with copy workers reading key ranges in parallel', async () => {
    const file = copyFixture();
    const result = await snapshot(file, db.url(), { replace: true, workers: 2, parallel: '3' });
    expect(result.workers).toBe(2);
    expect(result.writeLockMs).not.toBeNull();
    expect(result.rows).toBe(3962);
    expect((await verify(file, db.url())).equal).toBe(true);
  });

  it('refuses a target that holds rows unless --replace', async () => {
    const file = copyFixture();
    // Another file under the same source id: refused, naming the file it belongs to.
    await expect(snapshot(file, db.url())).rejects.toThrow(/source id "vatsim-collector" already names/);
    // Its own id, but the tables hold rows: refused, naming the tables.
    await expect(snapshot(file, db.url(), { sourceId: 'second' })).rejects.toThrow(
      /the target already holds rows in public\.controllers/,
    );
    const again = await snapshot(file, db.url(), { replace: true });
    expect(again.rows).toBe(3962);
    expect((await verify(file, db.url())).equal).toBe(true);
  });
});

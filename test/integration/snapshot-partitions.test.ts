import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { snapshot, verify } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { copyFixture, tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();

describe('partitioned targets', () => {
  it('range-partitions flights and traffic_movements by day, with the key extended and every row in place', async () => {
    const file = copyFixture();
    const config = tempSqlite('litebridge.json');
    writeFileSync(
      config,
      JSON.stringify({
        partitions: {
          flights: { column: 'last_updated', interval: 'day' },
          traffic_movements: { column: 'timestamp', interval: 'week' },
        },
      }),
    );
    const result = await snapshot(file, db.url(), { config });
    expect(result.rejected).toBe(0);
    expect((await verify(file, db.url(), { config })).equal).toBe(true);

    const parents = await db.query<{ relname: string; strategy: string }>(
      `SELECT c.relname, p.partstrat AS strategy FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid ORDER BY 1`,
    );
    expect(parents.rows).toEqual([
      { relname: 'flights', strategy: 'r' },
      { relname: 'traffic_movements', strategy: 'r' },
    ]);
    const parts = await db.query<{ name: string; bound: string }>(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'public.flights'::regclass ORDER BY 1`,
    );
    // Contiguous up to the horizon: the current day plus pg_partman's default premake of 4,
    // not only to the data's newest day (the fixture is from July 2025).
    const ahead = new Date(Date.now() + 4 * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
    expect(parts.rows.map((p) => p.name)).toContain(`flights_p${ahead}`);
    expect(parts.rows.map((p) => p.name)).toContain('flights_p20250724');
    const fallback = parts.rows.find((p) => p.bound === 'DEFAULT');
    expect(fallback).toBeDefined();
    expect(parts.rows.length).toBeGreaterThan(1);
    // Partitions cover the data: nothing lands in the default partition.
    const inDefault = await db.query(`SELECT count(*)::int AS n FROM public."${fallback!.name}"`);
    expect(inDefault.rows[0]?.n).toBe(0);
    const pk = await db.query<{ def: string }>(
      "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'public.flights'::regclass AND contype = 'p'",
    );
    expect(pk.rows[0]?.def).toBe('PRIMARY KEY (id, last_updated)');
  });
});

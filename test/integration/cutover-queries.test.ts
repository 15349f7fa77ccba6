import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { dropIdleSlots, startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();

async function cli(args: readonly string[]): Promise<{ code: number; out: string }> {
  let out = '';
  process.env.LITEBRIDGE_LOG_LEVEL = 'silent';
  const code = await main(args, { out: (t) => (out += t), err: () => undefined });
  return { code, out };
}

describe('cutover --dry-run --queries', () => {
  it("runs the application's queries as one more preflight check", async () => {
    const file = tempSqlite('cq.db');
    const s = new Database(file);
    s.pragma('journal_mode = WAL');
    s.exec(`CREATE TABLE readings (id INTEGER PRIMARY KEY, station TEXT NOT NULL, value REAL);
      INSERT INTO readings (station, value) VALUES ('a', 1.5), ('B', 2.5), ('b', NULL);`);
    s.close();
    const good = `${file}.good.sql`;
    writeFileSync(
      good,
      '-- name: per_station\nSELECT station, count(*) AS n FROM readings GROUP BY station\n',
    );
    const bad = `${file}.bad.sql`;
    writeFileSync(
      bad,
      "-- name: per_station\nSELECT station, count(*) AS n FROM readings GROUP BY station\n-- name: total\nSELECT total(value) AS v FROM readings WHERE station LIKE 'b'\n",
    );
    const args = ['--sqlite', file, '--pg', db.url(), '--schema', 'cq', '--dry-run', '--json'];
    const sync = startSync(file, db.url(), 'cq');
    try {
      await sync.snapshotted();
      const passed = await cli(['cutover', ...args, '--queries', good]);
      const ok = JSON.parse(passed.out);
      expect(ok.preflight.checks.find((c: { name: string }) => c.name === 'queries')).toMatchObject({
        ok: true,
        detail: '1 of 1 queries answer the same, none slower',
      });
      expect(ok.preflight.queries.queries[0]).toMatchObject({ name: 'per_station', status: 'same' });

      const failed = await cli(['cutover', ...args, '--queries', bad]);
      expect(failed.code).toBe(1);
      const json = JSON.parse(failed.out);
      expect(json.preflight.ok).toBe(false);
      expect(json.preflight.checks.find((c: { name: string }) => c.name === 'queries')).toMatchObject({
        ok: false,
        detail: '1 of 2 queries answer the same; total: fails-on-postgres',
      });
      expect(json.preflight.queries.queries[1].hint).toMatch(/coalesce\(sum\(x\), 0\)/);
    } finally {
      await sync.stop();
      await dropIdleSlots((sql) => db.query(sql));
    }
  }, 60_000);
});

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { compareQueries } from '../../src/parity/compare-queries.js';
import { parseQueries } from '../../src/parity/queries-file.js';
import { dropIdleSlots, startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { startTickWriter } from '../support/tick-writer.js';

const db = useTestDatabase();

/**
 * One query of each class; the counts change with every tick, so reading the two sides at
 * different points shows. 'B' (sorted first) always has two rows or more (deletes touch 'a' only),
 * so LIMIT 1 always cuts through a tie.
 */
const QUERIES = parseQueries(`
-- name: same
SELECT station, count(*) AS n, sum(value) AS total, max(seen) AS last_seen FROM readings GROUP BY station
-- name: differs
SELECT count(*) AS n FROM readings WHERE station LIKE 'b%'
-- name: fails
SELECT station, ifnull(sum(value), 0) AS total FROM readings GROUP BY station
-- name: rewritten
SELECT count(*) AS n, total(value) AS total FROM readings WHERE station LIKE 'b%'
-- postgres:
SELECT count(*) AS n, coalesce(sum(value), 0)::double precision AS total FROM readings WHERE station ILIKE 'b%'
-- name: nondeterministic
SELECT station, n FROM readings ORDER BY station LIMIT 1
-- name: ordered
SELECT id, station, value FROM readings ORDER BY value DESC NULLS LAST, id LIMIT 20
-- postgres:
SELECT id, station, value FROM readings ORDER BY value DESC NULLS LAST, id LIMIT 20
`);

const EXPECTED = {
  same: 'same',
  differs: 'differs',
  fails: 'fails-on-postgres',
  rewritten: 'same',
  nondeterministic: 'nondeterministic',
  ordered: 'same',
};

describe('compare-queries while the application writes and sync applies', () => {
  it('gives every query its class in a dozen rounds, with no false difference', async () => {
    const file = tempSqlite('live.db');
    const s = new Database(file);
    s.pragma('journal_mode = WAL');
    s.exec(`CREATE TABLE readings (id INTEGER PRIMARY KEY, station TEXT NOT NULL, n INTEGER, value REAL, seen DATETIME);
      INSERT INTO readings (station, n, value, seen) VALUES ('a', 0, 1.5, '2025-07-24 10:00:00'), ('B', 0, 2.25, '2025-07-24 10:00:00'),
        ('b', 0, NULL, '2025-07-24 10:00:00'), ('a', 0, 0.1, '2025-07-24 10:00:00'), ('B', 0, 0.5, '2025-07-24 10:00:00');`);
    s.close();
    const sync = startSync(file, db.url(), 'live');
    await sync.snapshotted();
    const writer = await startTickWriter(
      file,
      [
        "INSERT INTO readings (station, n, value, seen) VALUES (CASE :n % 3 WHEN 0 THEN 'a' WHEN 1 THEN 'B' ELSE 'b' END, :n, :n * 0.1, datetime('2025-07-24 10:00:00', '+' || :n || ' seconds'))",
        "UPDATE readings SET value = value + 1, n = :n WHERE id = (SELECT min(id) FROM readings WHERE station = 'a')",
        "DELETE FROM readings WHERE id IN (SELECT id FROM readings WHERE station = 'a' AND :n % 5 = 0 ORDER BY id LIMIT 1 OFFSET 3)",
      ],
      15,
    );
    const config = loadConfig({ sqlite: file, pg: db.url(), schema: 'live' }, {});
    const seen: Record<string, string>[] = [];
    try {
      for (let round = 0; round < 12; round++) {
        const report = await compareQueries(config, QUERIES, silentLogger, { runs: 1 });
        seen.push(Object.fromEntries(report.queries.map((q) => [q.name, q.status])));
        const live = report.queries.filter((q) => q.point.consistency === 'live');
        expect(live.length).toBe(QUERIES.length);
      }
    } finally {
      const { ticks, errors } = await writer.stop();
      expect(errors).toEqual([]);
      expect(ticks).toBeGreaterThan(20);
      await sync.stop();
      await dropIdleSlots((sql) => db.query(sql));
    }
    // No round may show a false difference; a round may only fail to settle (never, here, in practice).
    for (const round of seen) {
      for (const [name, status] of Object.entries(round)) {
        if (status !== 'unsettled')
          expect([name, status]).toEqual([name, EXPECTED[name as keyof typeof EXPECTED]]);
      }
    }
    const settled = seen.flatMap((r) => Object.values(r)).filter((s) => s !== 'unsettled').length;
    expect(settled).toBeGreaterThanOrEqual(seen.length * QUERIES.length * 0.9);

    // Sync stopped, one more write: the sides can never meet, so nothing is compared.
    const app = new Database(file);
    app.prepare("INSERT INTO readings (station, n) VALUES ('a', -1)").run();
    app.close();
    const stuck = await compareQueries(config, QUERIES.slice(0, 2), silentLogger, {
      runs: 1,
      settleTimeoutMs: 300,
    });
    expect(stuck.queries.map((q) => [q.name, q.status, q.sqlite])).toEqual([
      ['same', 'unsettled', null],
      ['differs', 'unsettled', null],
    ]);
    expect(stuck.ok).toBe(false);
  }, 120_000);
});

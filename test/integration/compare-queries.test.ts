import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { snapshot } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

/** The --json output (JSON.parse's any). */
type Json = ReturnType<typeof JSON.parse>;

const db = useTestDatabase();
let file: string;

beforeAll(async () => {
  file = tempSqlite();
  const s = new Database(file);
  s.exec(`CREATE TABLE flights (id INTEGER PRIMARY KEY, callsign TEXT NOT NULL, alt INTEGER, price DECIMAL(10,2),
      active BOOLEAN, remarks TEXT, departed DATETIME, doc JSON);
    INSERT INTO flights VALUES (1, 'BAW1', 35000, 7.00, 1, NULL, '2025-07-24 10:00:00', '{"b": 1, "a": [1, 2]}');
    INSERT INTO flights VALUES (2, 'baw2', 35000, 3.50, 0, 'heavy', '2025-07-24T11:00:00.5Z', '{"a": 2}');
    INSERT INTO flights VALUES (3, 'DLH4', 12000, 10, 1, 'x', NULL, NULL);
    INSERT INTO flights VALUES (4, 'AFR5', NULL, 0.25, 0, 'y', '2025-07-24 12:30:00', '[]');`);
  s.close();
  await snapshot(file, db.url());
});

async function compare(
  queries: string,
  ...flags: string[]
): Promise<{ code: number; json: Json; err: string }> {
  const path = `${file}.queries.sql`;
  (await import('node:fs')).writeFileSync(path, queries);
  let out = '';
  let err = '';
  process.env.LITEBRIDGE_LOG_LEVEL = 'silent';
  const code = await main(
    [
      'compare-queries',
      '--sqlite',
      file,
      '--pg',
      db.url(),
      '--queries',
      path,
      '--json',
      '--runs',
      '3',
      '--slower-ms',
      '100000',
      ...flags,
    ],
    { out: (t) => (out += t), err: (t) => (err += t) },
  );
  return { code, json: JSON.parse(out), err };
}

function byName(json: Json): Record<string, Json> {
  return Object.fromEntries(json.queries.map((q: Json) => [q.name, q]));
}

describe('compare-queries', () => {
  it('finds plain reads the same through the codec (booleans, decimals, timestamps, JSON) and exits 0', async () => {
    const { code, json } = await compare(`
-- name: all
SELECT id, callsign, alt, price, active, remarks, departed, doc FROM flights;
-- name: ordered
SELECT callsign, alt FROM flights WHERE alt IS NOT NULL ORDER BY alt DESC, callsign
-- name: counted
SELECT count(*) AS n, sum(alt) AS total_alt, avg(alt) AS mean_alt FROM flights
-- name: param
-- param: min_alt 20000
SELECT callsign FROM flights WHERE alt >= :min_alt
`);
    const q = byName(json);
    expect(Object.values(q).map((x: Json) => [x.name, x.status, x.reason])).toEqual([
      ['all', 'same', null],
      ['ordered', 'same', null],
      ['counted', 'same', null],
      ['param', 'same', null],
    ]);
    expect(code).toBe(0);
    expect(q.all.sqlite.p50Ms).toBeGreaterThanOrEqual(0);
    expect(q.all.postgres.p95Ms).toBeGreaterThan(0);
    expect(typeof q.all.ratio).toBe('number');
    expect(q.all.hint).toBeNull();
    expect(json.baseline.postgres.p50Ms).toBeGreaterThan(0);
  });

  it('classifies differences, failures, rewrites and nondeterminism, with hints', async () => {
    const { code, json } = await compare(`
-- name: like_case
SELECT count(*) AS n FROM flights WHERE callsign LIKE 'baw%'
-- name: like_rewritten
SELECT count(*) AS n FROM flights WHERE callsign LIKE 'baw%'
-- postgres:
SELECT count(*) AS n FROM flights WHERE callsign ILIKE 'baw%';
-- name: null_order
SELECT callsign, remarks FROM flights ORDER BY remarks
-- name: division
SELECT id, price / 2 AS half FROM flights
-- name: ifnull
SELECT id, ifnull(remarks, '-') AS r FROM flights
-- name: ifnull_rewritten
SELECT id, ifnull(remarks, '-') AS r FROM flights
-- postgres:
SELECT id, coalesce(remarks, '-') AS r FROM flights
-- name: boolean_int
SELECT count(*) AS n FROM flights WHERE active = 1
-- name: double_quoted
SELECT count(*) AS n FROM flights WHERE callsign = "BAW1"
-- name: names
SELECT count(*) FROM flights
-- name: limit_no_order
SELECT callsign FROM flights LIMIT 2
-- name: limit_ties
SELECT callsign, alt FROM flights WHERE alt = 35000 ORDER BY alt LIMIT 1
-- name: bare_group
SELECT alt, callsign FROM flights GROUP BY alt
-- name: sqlite_fails
SELECT nosuch FROM flights
`);
    const q = byName(json);
    const status = Object.fromEntries(Object.values(q).map((x: Json) => [x.name, x.status]));
    expect(status).toEqual({
      like_case: 'differs',
      like_rewritten: 'same',
      null_order: 'differs',
      division: 'differs',
      ifnull: 'fails-on-postgres',
      ifnull_rewritten: 'same',
      boolean_int: 'fails-on-postgres',
      double_quoted: 'fails-on-sqlite',
      names: 'differs',
      limit_no_order: 'nondeterministic',
      limit_ties: 'nondeterministic',
      bare_group: 'fails-on-postgres',
      sqlite_fails: 'fails-on-sqlite',
    });
    expect(code).toBe(1);
    expect(q.like_case.hint).toMatch(/ILIKE/);
    expect(q.like_case.rows.sqlite).toEqual([['2']]);
    expect(q.like_case.rows.postgres).toEqual([['1']]);
    expect(q.null_order.hint).toMatch(/NULLS FIRST/);
    expect(q.division.hint).toMatch(/divides integers/);
    expect(q.ifnull.hint).toMatch(/coalesce/);
    expect(q.ifnull.reason).toMatch(/ifnull/);
    expect(q.boolean_int.hint).toMatch(/boolean compared with 1\/0/);
    expect(q.double_quoted.hint).toMatch(/string literal to SQLite/);
    expect(q.names.reason).toMatch(/column names differ/);
    expect(q.names.columns).toEqual({ sqlite: ['count(*)'], postgres: ['count'] });
    expect(q.limit_ties.hint).toMatch(/ORDER BY until they identify a row/);
    expect(q.bare_group.hint).toMatch(/callsign is neither grouped nor aggregated/);
  });

  it('refuses a statement that writes, by name, and exits 2', async () => {
    const { code, json } = await compare(`
-- name: harmless
SELECT 1 AS one
-- name: sneaky
DELETE FROM flights WHERE id = 4
`);
    expect(code).toBe(2);
    expect(json.error.code).toBe('BAD_ARGS');
    expect(json.error.message).toMatch(/query "sneaky" is not read-only/);
    const left = await db.query('SELECT count(*)::int AS n FROM flights');
    expect(left.rows[0]!.n).toBe(4);
  });
});

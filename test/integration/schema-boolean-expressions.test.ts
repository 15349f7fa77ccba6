/**
 * Partial indexes and CHECKs over BOOLEAN columns (0/1 in SQLite, boolean in PostgreSQL) and
 * integers used as conditions: each expression is run by SQLite and, translated, by PostgreSQL
 * over the same rows (NULLs, 0, 1, other integers and reals), and both must select the same keys.
 */
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/config/config.js';
import type { SnapshotResult } from '../../src/pipeline/snapshot.js';
import { introspect } from '../../src/schema/introspect.js';
import { renderPlan } from '../../src/schema/plan-report.js';
import { translate } from '../../src/schema/translate.js';
import { snapshot } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();

/** Partial-index WHERE clauses: boolean columns flag, other; integer n; real r. */
const WHERES = [
  'flag = 1',
  'flag == 0',
  'flag <> 0',
  'flag != 1',
  'flag > 0',
  'flag < 1',
  'flag >= 0',
  'flag = 2',
  'flag > 0.5',
  '1 = flag',
  'flag = -1',
  'flag = TRUE',
  "flag = '1'",
  "flag = ' 0 '",
  "flag = 'yes'",
  "flag < 'yes'",
  "flag IN ('1', 'x')",
  "(flag > 0) = '1'",
  'flag IS 1',
  'flag IS 0',
  'flag IS NOT 1',
  'flag IS NOT 0',
  'flag IS 2',
  'flag IS NOT 2',
  'flag IS NOT DISTINCT FROM 0',
  'flag IS TRUE',
  'flag IS NOT FALSE',
  'n IS TRUE',
  'n IS NOT TRUE',
  'r IS FALSE',
  'flag',
  'NOT flag',
  'flag AND NOT other',
  'flag OR n',
  'NOT (flag OR other)',
  'flag IN (0, 1)',
  'flag IN (1, 5)',
  'flag NOT IN (1)',
  'flag NOT IN (0, 1)',
  'flag IN (0, NULL)',
  'flag NOT IN (0, NULL)',
  'flag BETWEEN 1 AND 3',
  'flag NOT BETWEEN 1 AND 3',
  'flag + other = 1',
  'flag + other',
  'flag - other < 0',
  'flag * n > 1',
  '-flag < 0',
  '~flag = -2',
  'flag = other',
  'flag < other',
  'flag IS other',
  'flag IS NOT other',
  'flag = n',
  'flag > n',
  'flag = r',
  'flag < r',
  'flag IN (n, 2)',
  'n IN (flag, 2)',
  'flag BETWEEN n AND 1',
  'coalesce(flag, 0) = 1',
  'coalesce(flag, other)',
  'ifnull(flag, 1)',
  'abs(flag - other) = 1',
  'nullif(flag, 0)',
  'CASE WHEN flag THEN n ELSE 0 END > 0',
  'CASE flag WHEN 1 THEN 1 WHEN 0 THEN 0 END',
  'CASE WHEN n > 0 THEN flag ELSE other END',
  'CASE WHEN n > 0 THEN flag ELSE 0 END',
  "flag || other = '10'",
  'n',
  'NOT n',
  'r',
  'n AND r',
  'n + 1',
  'n & 1',
  'n % 2',
  '(n > 0) + (r > 0) = 1',
  '(n > 0) = flag',
  'n > 0 = 1',
  'n < 1 = flag',
];

/** CHECK constraints: a row is kept when the expression is not false (NULL passes). */
const CHECKS = [
  'flag IN (0, 1)',
  'flag = 1',
  'flag',
  'NOT flag',
  'flag = 2',
  'flag IS NOT 2',
  'flag IS 1',
  'flag + other < 2',
  'n',
  'flag OR n > 1',
  'CASE WHEN flag THEN n > 0 ELSE 1 END',
  'other <> flag',
];

/** Expressions that cannot be translated: `plan` must name them with their SQL. */
const REFUSED = ["hex(flag) = '31'", "flag GLOB '1*'"];

const COLUMNS = 'k INTEGER PRIMARY KEY, flag BOOLEAN, other BOOL, n INTEGER, r REAL';

/** Every combination of NULL/0/1 booleans, integers -1…5 and reals. */
function rows(): [number, number | null, number | null, number | null, number | null][] {
  const out: [number, number | null, number | null, number | null, number | null][] = [];
  for (const flag of [null, 0, 1])
    for (const other of [null, 0, 1])
      for (const n of [null, -1, 0, 1, 2, 5])
        for (const r of [null, 0.0, 0.5, -2.5]) out.push([out.length + 1, flag, other, n, r]);
  return out;
}

function buildFile(): string {
  const path = tempSqlite();
  const s = new Database(path);
  s.exec(`CREATE TABLE t (${COLUMNS})`);
  const insert = s.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?)');
  for (const row of rows()) insert.run(...row);
  // Key parts differ ((k + i)) so no two indexes are one index to PostgreSQL.
  for (const [i, w] of WHERES.entries()) s.exec(`CREATE INDEX ix_${i} ON t ((k + ${i})) WHERE ${w}`);
  for (const [i, w] of REFUSED.entries()) s.exec(`CREATE INDEX bad_${i} ON t (k) WHERE ${w}`);
  for (const [i, c] of CHECKS.entries()) {
    s.exec(`CREATE TABLE ck_${i} (${COLUMNS}, CHECK (${c}))`);
    s.exec(`INSERT OR IGNORE INTO ck_${i} SELECT * FROM t`); // OR IGNORE skips the rows the CHECK refuses
  }
  s.close();
  return path;
}

function sqliteKeys(file: string, sql: string): number[] {
  const s = new Database(file, { readonly: true });
  try {
    return s
      .prepare(sql)
      .pluck()
      .all()
      .map((k) => Number(k));
  } finally {
    s.close();
  }
}

describe('boolean-aware expressions: SQLite and PostgreSQL select the same rows', () => {
  let file: string;
  let result: SnapshotResult;

  beforeAll(async () => {
    file = buildFile();
    result = await snapshot(file, db.url());
  }, 120_000);

  it('creates every partial index, and its predicate selects the rows SQLite indexes', async () => {
    expect(result.rejected).toBe(0);
    // PostgreSQL keeps no predicate for an index WHERE true (flag IS NOT 2): it indexes every row.
    const predicates = await db.query<{ name: string; predicate: string | null }>(
      `SELECT c.relname AS name, pg_get_expr(i.indpred, i.indrelid) AS predicate
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = 'public.t'::regclass AND c.relname LIKE 'ix\\_%'`,
    );
    const byName = new Map(predicates.rows.map((r) => [r.name, r.predicate ?? 'true']));
    const missing = WHERES.filter((_, i) => !byName.has(`ix_${i}`));
    expect(missing).toEqual([]);
    const differences: string[] = [];
    for (const [i, where] of WHERES.entries()) {
      const predicate = byName.get(`ix_${i}`)!;
      const expected = sqliteKeys(file, `SELECT k FROM t WHERE ${where} ORDER BY k`);
      const actual = (
        await db.query<{ k: string }>(`SELECT k FROM t WHERE ${predicate} ORDER BY k`)
      ).rows.map((r) => Number(r.k));
      if (JSON.stringify(actual) !== JSON.stringify(expected))
        differences.push(
          `${where} → ${predicate}: SQLite ${expected.length} rows, PostgreSQL ${actual.length}`,
        );
    }
    expect(differences).toEqual([]);
  });

  it('creates every CHECK, and it accepts exactly the rows SQLite accepts', async () => {
    const differences: string[] = [];
    for (const [i, check] of CHECKS.entries()) {
      const constraints = await db.query<{ def: string }>(
        `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c'`,
        [`public.ck_${i}`],
      );
      if (constraints.rows.length !== 1) {
        differences.push(`CHECK (${check}) is not created`);
        continue;
      }
      const expected = sqliteKeys(file, `SELECT k FROM ck_${i} ORDER BY k`);
      // Offer every row of t to PostgreSQL's CHECK, one insert at a time.
      await db.query(`TRUNCATE ck_${i}`);
      await db.query(`DO $$
        DECLARE row record;
        BEGIN
          FOR row IN SELECT * FROM t LOOP
            BEGIN
              INSERT INTO ck_${i} VALUES (row.k, row.flag, row.other, row.n, row.r);
            EXCEPTION WHEN check_violation THEN NULL;
            END;
          END LOOP;
        END $$`);
      const actual = (await db.query<{ k: string }>(`SELECT k FROM ck_${i} ORDER BY k`)).rows.map((r) =>
        Number(r.k),
      );
      if (JSON.stringify(actual) !== JSON.stringify(expected))
        differences.push(
          `CHECK (${check}) → ${constraints.rows[0]!.def}: SQLite keeps ${expected.length} rows, PostgreSQL ${actual.length}`,
        );
    }
    expect(differences).toEqual([]);
  });

  it('lists what cannot be translated in the plan, with the SQL', () => {
    const s = new Database(file, { readonly: true });
    const plan = renderPlan(translate(introspect(s), DEFAULT_TRANSLATE_OPTIONS), new Map(), '');
    s.close();
    for (const [i, where] of REFUSED.entries())
      expect(plan).toContain(
        `index bad_${i} is not created: its WHERE clause (${where}) cannot be translated`,
      );
  });
});

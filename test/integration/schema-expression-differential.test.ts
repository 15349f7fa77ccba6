/**
 * Random SQLite expressions over boolean, integer, real, numeric and text columns, written without
 * parentheses as often as with them (so precedence matters): every one the translator accepts
 * must select the same rows in PostgreSQL as in SQLite, as a WHERE (NULL excludes), as a CHECK
 * (NULL passes) and as a value (booleans read as 0/1).
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PgType } from '../../src/model/target-schema.js';
import { translateExpression } from '../../src/schema/expression.js';
import { useTestDatabase } from '../support/pg.js';

const db = useTestDatabase();

const TYPES: Readonly<Record<string, PgType>> = {
  flag: 'boolean',
  other: 'boolean',
  n: 'bigint',
  r: 'double precision',
  s: 'text',
  m: 'numeric',
};
const columnMap = (name: string): string | undefined =>
  name.toLowerCase() in TYPES ? name.toLowerCase() : undefined;
const typeOf = (name: string): PgType | undefined => TYPES[name.toLowerCase()];

type Row = [number, 0 | 1 | null, 0 | 1 | null, number | null, number | null, string | null, number | null];
const NUMERICS = [null, 0, 2, 2.5, -1];
const TEXTS = [null, '', 'a', 'Ab', '1', 'a%_\\'];
const ROWS: Row[] = [];
for (const flag of [null, 0, 1] as const)
  for (const other of [null, 0, 1] as const)
    for (const n of [null, -1, 0, 1, 2, 5])
      for (const r of [null, 0, 0.5, -2.5])
        ROWS.push([
          ROWS.length + 1,
          flag,
          other,
          n,
          r,
          TEXTS[ROWS.length % TEXTS.length]!,
          NUMERICS[ROWS.length % NUMERICS.length]!,
        ]);

const sqlite = new Database(':memory:');
sqlite.exec(
  'CREATE TABLE t (k INTEGER PRIMARY KEY, flag BOOLEAN, other BOOL, n INTEGER, r REAL, s TEXT, m NUMERIC)',
);
for (const row of ROWS) sqlite.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)').run(...row);

const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => {
  const e = tie('e');
  const sub = fc.tuple(e, fc.boolean()).map(([x, paren]) => (paren ? `(${x})` : x));
  return {
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(
        'flag',
        'other',
        'n',
        'r',
        'm',
        "'1'",
        "'yes'",
        '0',
        '1',
        '2',
        '-1',
        '0.5',
        'NULL',
        'TRUE',
        'FALSE',
        's',
        "'a'",
        "'A'",
      ),
      fc
        .tuple(
          sub,
          fc.constantFrom(
            '=',
            '==',
            '<>',
            '!=',
            '<',
            '<=',
            '>',
            '>=',
            'IS',
            'IS NOT',
            'AND',
            'OR',
            '+',
            '-',
            '*',
            '/',
            '%',
            '&',
            '|',
            '<<',
            '>>',
            '||',
          ),
          sub,
        )
        .map(([a, op, b]) => `${a} ${op} ${b}`),
      sub.map((a) => `NOT ${a}`),
      sub.map((a) => `- ${a}`),
      fc
        .tuple(sub, fc.boolean(), fc.array(sub, { minLength: 1, maxLength: 3 }))
        .map(([a, not, list]) => `${a} ${not ? 'NOT IN' : 'IN'} (${list.join(', ')})`),
      fc
        .tuple(sub, fc.boolean(), sub, sub)
        .map(([a, not, lo, hi]) => `${a} ${not ? 'NOT BETWEEN' : 'BETWEEN'} ${lo} AND ${hi}`),
      fc.tuple(sub, sub, sub).map(([c, a, b]) => `CASE WHEN ${c} THEN ${a} ELSE ${b} END`),
      fc.tuple(sub, sub, sub).map(([base, w, a]) => `CASE ${base} WHEN ${w} THEN ${a} END`),
      fc
        .tuple(
          fc.constantFrom('coalesce', 'nullif', 'abs', 'lower', 'upper', 'length', 'trim', 'ifnull'),
          sub,
          sub,
        )
        .map(([f, a, b]) =>
          f === 'coalesce' || f === 'nullif' || f === 'ifnull' ? `${f}(${a}, ${b})` : `${f}(${a})`,
        ),
      fc
        .tuple(sub, fc.boolean(), fc.constantFrom("'a%'", "'%B'", "'_'", "'a%\\'", "'%\\%'"))
        .map(([a, not, p]) => `${a} ${not ? 'NOT LIKE' : 'LIKE'} ${p}`),
      fc
        .tuple(
          sub,
          fc.constantFrom('IS TRUE', 'IS NOT TRUE', 'IS FALSE', 'IS NOT FALSE', 'ISNULL', 'NOTNULL'),
        )
        .map(([a, test]) => `${a} ${test}`),
    ),
  };
}).e;

/** SQLite's rows for a query, or undefined when SQLite itself refuses the expression. */
function sqliteRows(sql: string): unknown[][] | undefined {
  try {
    return sqlite.prepare(sql).raw().all() as unknown[][];
  } catch {
    return undefined;
  }
}

/** A value as SQLite would hold it: booleans 0/1, numbers as numbers, -0 as 0. */
function normal(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
  return n === 0 ? 0 : n; // -0.0 and 0 are one value to both (= and indexes)
}

describe('random expressions: SQLite and the translation agree', () => {
  beforeAll(async () => {
    await db.query(
      'CREATE TABLE t (k bigint PRIMARY KEY, flag boolean, other boolean, n bigint, r double precision, s text COLLATE "C", m numeric)',
    );
    const values = ROWS.map(
      ([k, flag, other, n, r, text, m]) =>
        `(${k}, ${flag === null ? 'NULL' : flag === 1}, ${other === null ? 'NULL' : other === 1}, ${n ?? 'NULL'}, ${r ?? 'NULL'}, ${text === null ? 'NULL' : `'${text}'`}, ${m ?? 'NULL'})`,
    );
    await db.query(`INSERT INTO t VALUES ${values.join(', ')}`);
  });

  it('selects the same rows as a WHERE and a CHECK, and computes the same values', async () => {
    let translated = 0;
    await fc.assert(
      fc.asyncProperty(expression, async (expr) => {
        const where = sqliteRows(`SELECT k FROM t WHERE ${expr} ORDER BY k`);
        if (where === undefined) return; // not valid SQLite
        const condition = translateExpression(expr, columnMap, typeOf, 'condition');
        const key = translateExpression(expr, columnMap, typeOf, 'index key');
        if (!condition.ok || !key.ok) return;
        translated++;
        const pg = async (sql: string): Promise<unknown[][]> =>
          (await db.query({ text: sql, rowMode: 'array' } as never)).rows as unknown[][];
        const keys = (rows: unknown[][]): number[] => rows.map((r) => Number(r[0]));
        expect(
          keys(await pg(`SELECT k FROM t WHERE ${condition.sql} ORDER BY k`)),
          `WHERE ${condition.sql}`,
        ).toEqual(keys(where));
        expect(
          keys(await pg(`SELECT k FROM t WHERE (${condition.sql}) IS NOT FALSE ORDER BY k`)),
          `CHECK ${condition.sql}`,
        ).toEqual(keys(sqliteRows(`SELECT k FROM t WHERE (${expr}) IS NOT FALSE ORDER BY k`)!));
        const values = (rows: unknown[][]): unknown[] => rows.map((r) => normal(r[1]));
        expect(values(await pg(`SELECT k, ${key.sql} FROM t ORDER BY k`)), `value ${key.sql}`).toEqual(
          values(sqliteRows(`SELECT k, ${expr} FROM t ORDER BY k`)!),
        );
      }),
      { numRuns: 500 },
    );
    expect(translated).toBeGreaterThan(100);
  }, 120_000);
});

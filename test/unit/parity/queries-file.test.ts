import { describe, expect, it } from 'vitest';
import { parseQueries } from '../../../src/parity/queries-file.js';
import { peekPastLimitSql, positionalParams, statementShape } from '../../../src/parity/statement-shape.js';

describe('queries file', () => {
  it('reads names, both forms, optional semicolons and parameters', () => {
    const queries = parseQueries(`-- collector queries
-- name: active
SELECT * FROM flights
WHERE seen > :since;
-- param: since '2025-07-24 10:00:00'
-- postgres:
SELECT * FROM flights WHERE seen > :since::timestamp

-- name: two
SELECT 2 -- trailing comment
`);
    expect(queries).toEqual([
      {
        name: 'active',
        sqlite: 'SELECT * FROM flights\nWHERE seen > :since',
        postgres: 'SELECT * FROM flights WHERE seen > :since::timestamp',
        params: { since: '2025-07-24 10:00:00' },
        line: 2,
      },
      { name: 'two', sqlite: 'SELECT 2 -- trailing comment', postgres: null, params: {}, line: 9 },
    ]);
  });

  it('names the line of each mistake', () => {
    expect(() => parseQueries('SELECT 1')).toThrow(/line 1: SQL before the first/);
    expect(() => parseQueries('-- name: a\n-- postgres:\nSELECT 1')).toThrow(/query "a" has no SQL/);
    expect(() => parseQueries('-- name: a\nSELECT 1\n-- name: a\nSELECT 2')).toThrow(
      /line 3: query name "a" is used twice/,
    );
    expect(() => parseQueries('-- name: a\n-- param: x now()\nSELECT :x')).toThrow(/line 2: parameter value/);
  });
});

describe('statement shape', () => {
  it('finds the top-level ORDER BY terms as output columns, ignoring subqueries', () => {
    const shape = statementShape(
      'WITH t AS (SELECT a FROM x ORDER BY a LIMIT 3) SELECT t.a, count(*) AS n, upper(b) FROM t GROUP BY t.a ORDER BY n DESC, a, upper(b) NULLS LAST, 9 LIMIT 5',
    )!;
    expect(shape.orderBy.map((t) => [t.text, t.column, t.descending, t.nullsExplicit])).toEqual([
      ['n', 1, true, false],
      ['a', 0, false, false],
      ['upper(b)', 2, false, true],
      ['9', null, false, false],
    ]);
    expect(shape.limited).toBe(true);
    expect(statementShape('SELECT a FROM (SELECT a FROM x ORDER BY a LIMIT 1)')!).toMatchObject({
      orderBy: [],
      limited: false,
    });
  });

  it('raises a LIMIT by one row, in both of its forms', () => {
    const peek = (sql: string) => peekPastLimitSql(sql, statementShape(sql)!);
    expect(peek('SELECT a FROM x ORDER BY a LIMIT :n OFFSET 2')).toBe(
      'SELECT a FROM x ORDER BY a LIMIT (:n) + 1 OFFSET 2',
    );
    expect(peek('SELECT a FROM x ORDER BY a LIMIT 2, 10')).toBe(
      'SELECT a FROM x ORDER BY a LIMIT 2, (10) + 1',
    );
    expect(peek('SELECT a FROM x')).toBeNull();
  });

  it('turns :name parameters into $n for PostgreSQL, leaving casts and strings alone', () => {
    expect(positionalParams('SELECT :a::int, \':b\', "c:d", :b, :a')).toEqual({
      sql: 'SELECT $1::int, \':b\', "c:d", $2, $1',
      names: ['a', 'b'],
    });
  });
});

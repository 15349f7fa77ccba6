import { describe, expect, it } from 'vitest';
import type { SqlValue } from '../../../src/model/sql-value.js';
import { queryHints } from '../../../src/parity/query-hints.js';
import { pgTypeOfOid } from '../../../src/parity/result-cells.js';
import { compareResults, type PgResult } from '../../../src/parity/result-compare.js';
import { statementShape } from '../../../src/parity/statement-shape.js';

const INT8 = 20;
const FLOAT8 = 701;
const NUMERIC = 1700;
const TEXT = 25;

function compare(sql: string, sqlite: SqlValue[][], pg: PgResult, pastLimit: SqlValue[] | null = null) {
  const columns = pg.columns;
  return compareResults(
    { columns, rows: sqlite },
    pg,
    statementShape(sql),
    pg.types.map(pgTypeOfOid),
    pastLimit,
  );
}

describe('compareResults', () => {
  it('compares exact numbers exactly and doubles within the stated tolerance', () => {
    const pg = (v: string, type: number): PgResult => ({ columns: ['v'], types: [type], rows: [[v]] });
    expect(compare('SELECT v', [[7n]], pg('7.00', NUMERIC)).status).toBe('same');
    expect(compare('SELECT v', [[3n]], pg('3.5000', NUMERIC)).status).toBe('differs');
    expect(compare('SELECT v', [[2.3333333333333335]], pg('2.3333333333333333', NUMERIC)).status).toBe(
      'same',
    );
    expect(compare('SELECT v', [[0.1 + 0.2]], pg('0.3', FLOAT8)).status).toBe('same');
    expect(compare('SELECT v', [[0.3001]], pg('0.3', FLOAT8)).status).toBe('differs');
  });

  it('treats rows as a multiset without ORDER BY and in order (ties as multisets) with one', () => {
    const pg: PgResult = {
      columns: ['k', 'v'],
      types: [INT8, TEXT],
      rows: [
        ['1', 'b'],
        ['1', 'a'],
        ['2', 'c'],
      ],
    };
    const sqlite = [
      [1n, 'a'],
      [1n, 'b'],
      [2n, 'c'],
    ];
    expect(compare('SELECT k, v FROM t', sqlite, pg).status).toBe('same');
    expect(compare('SELECT k, v FROM t ORDER BY k', sqlite, pg).status).toBe('same');
    expect(compare('SELECT k, v FROM t ORDER BY v', sqlite, pg).status).toBe('differs');
    expect(
      compare(
        'SELECT k, v FROM t ORDER BY k DESC',
        [
          [2n, 'c'],
          [1n, 'a'],
          [1n, 'b'],
        ],
        pg,
      ),
    ).toMatchObject({
      status: 'differs',
      reason: 'rows differ in order from position 1 (ORDER BY k)',
    });
  });

  it('calls LIMIT through ties nondeterministic, and LIMIT past a clean cut a difference', () => {
    const pg: PgResult = { columns: ['k', 'v'], types: [INT8, TEXT], rows: [['1', 'b']] };
    const sql = 'SELECT k, v FROM t ORDER BY k LIMIT 1';
    expect(compare(sql, [[1n, 'a']], pg, [1n, 'b']).status).toBe('nondeterministic');
    expect(compare(sql, [[1n, 'b']], pg, [1n, 'a']).status).toBe('nondeterministic');
    expect(compare(sql, [[1n, 'a']], pg, [2n, 'x']).status).toBe('differs');
    expect(compare('SELECT k, v FROM t LIMIT 1', [[1n, 'b']], pg).status).toBe('nondeterministic');
  });

  it('reports column names apart', () => {
    const pg: PgResult = { columns: ['count'], types: [INT8], rows: [['3']] };
    expect(compare('SELECT count(*) FROM t', [[3n]], { ...pg, columns: ['count'] })).toMatchObject({
      status: 'same',
    });
    const r = compareResults(
      { columns: ['count(*)'], rows: [[3n]] },
      pg,
      statementShape('SELECT count(*) FROM t'),
      ['bigint'],
    );
    expect(r).toMatchObject({ status: 'differs', columnsDiffer: true });
    expect(r.reason).toMatch(/column names differ/);
  });
});

describe('queryHints', () => {
  const hint = (sql: string, status: Parameters<typeof queryHints>[2], error: string | null = null) =>
    queryHints(sql, statementShape(sql), status, error) ?? '';

  it('names SQLite-only functions with their PostgreSQL equivalents', () => {
    expect(
      hint(
        'SELECT group_concat(name) FROM t',
        'fails-on-postgres',
        'function group_concat(text) does not exist',
      ),
    ).toMatch(/string_agg/);
    expect(hint('SELECT max(a, b) FROM t', 'differs')).toMatch(/greatest\(a, b\)/);
    expect(hint('SELECT substr(name, -3) FROM t', 'differs')).toMatch(/negative start/);
    expect(hint("SELECT datetime('now')", 'differs')).toMatch(/now\(\)/);
    expect(
      hint(
        'SELECT iif(a > 1, 1, 0) FROM t',
        'fails-on-postgres',
        'function iif(boolean, integer, integer) does not exist',
      ),
    ).toMatch(/CASE WHEN/);
  });

  it('reads identifier case from the error and the tokens', () => {
    expect(hint('SELECT FlightId FROM t', 'fails-on-postgres', 'column "flightid" does not exist')).toMatch(
      /folds the unquoted name FlightId to flightid/,
    );
  });

  it('names NOCASE ordering and bare GROUP BY columns', () => {
    expect(hint('SELECT name FROM t ORDER BY name COLLATE NOCASE', 'differs')).toMatch(/lower\(x\)/);
    expect(
      hint(
        'SELECT a, b, max(c) AS m FROM t GROUP BY a',
        'fails-on-postgres',
        'column "t.b" must appear in the GROUP BY clause',
      ),
    ).toMatch(/^b is neither grouped nor aggregated/);
  });

  it('says nothing when nothing in the query explains it', () => {
    expect(hint('SELECT a FROM t', 'differs')).toBe('');
  });
});

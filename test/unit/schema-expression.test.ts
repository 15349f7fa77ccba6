import { describe, expect, it } from 'vitest';
import type { PgType } from '../../src/model/target-schema.js';
import { translateExpression } from '../../src/schema/expression.js';

const columns: Record<string, string> = {
  name: 'Name',
  qty: 'qty',
  flag: 'flag',
  'odd"col': 'odd"col',
  price: 'price',
};
const types: Record<string, PgType> = {
  name: 'text',
  qty: 'bigint',
  flag: 'boolean',
  price: 'double precision',
};
const map = (n: string): string | undefined =>
  columns[Object.keys(columns).find((k) => k.toLowerCase() === n.toLowerCase()) ?? ''];
const typeOf = (n: string): PgType | undefined => types[n.toLowerCase()];
const ok = (sql: string): string => {
  const r = translateExpression(sql, map, typeOf);
  if (!r.ok) throw new Error(r.reason);
  return r.sql;
};
const refused = (sql: string): string => {
  const r = translateExpression(sql, map, typeOf);
  if (r.ok) throw new Error(`translated to ${r.sql}`);
  return r.reason;
};

describe('translateExpression', () => {
  it('quotes columns with their PostgreSQL names, matching case-insensitively', () => {
    expect(ok('NAME <> \'\' AND "QTY" > 0')).toBe(`"Name" <> '' AND "qty" > 0`);
    expect(ok('"odd""col" IS NULL')).toBe('"odd""col" IS NULL');
  });

  it('turns == into = and keeps != and <>', () => {
    expect(ok('qty == 1 OR qty != 2 OR qty <> 3')).toBe('"qty" = 1 OR "qty" != 2 OR "qty" <> 3');
  });

  it('translates IS / IS NOT with non-NULL operands to IS [NOT] DISTINCT FROM', () => {
    expect(ok('qty IS 5')).toBe('"qty" IS NOT DISTINCT FROM 5');
    expect(ok('qty IS NOT 5')).toBe('"qty" IS DISTINCT FROM 5');
    expect(ok('qty IS NOT NULL')).toBe('"qty" IS NOT NULL');
    expect(ok('qty NOTNULL AND name ISNULL')).toBe('"qty" IS NOT NULL AND "Name" IS NULL');
    expect(ok('qty NOT NULL')).toBe('"qty" IS NOT NULL');
  });

  it('keeps IN, BETWEEN, CASE and arithmetic', () => {
    expect(ok('qty IN (1, 2, 3)')).toBe('"qty" IN (1, 2, 3)');
    expect(ok('qty NOT BETWEEN 1 AND 10')).toBe('"qty" NOT BETWEEN 1 AND 10');
    expect(ok("CASE WHEN qty > 0 THEN 'p' ELSE 'n' END = 'p'")).toBe(
      `CASE WHEN "qty" > 0 THEN 'p' ELSE 'n' END = 'p'`,
    );
    expect(ok('(qty * 2) % 3 = 0')).toBe('("qty" * 2) % 3 = 0');
  });

  it('maps known functions', () => {
    expect(ok("length(name) > 0 AND lower(name) = upper(name) AND trim(name) != ''")).toBe(
      `length("Name") > 0 AND lower("Name") = upper("Name") AND btrim("Name") != ''`,
    );
    expect(ok('abs(qty) < 5')).toBe('abs("qty") < 5');
    expect(ok("coalesce(name, 'x') = ifnull(name, 'x')")).toBe(
      `coalesce("Name", 'x') = coalesce("Name", 'x')`,
    );
    expect(ok("substr(name, 1, 2) = 'ab'")).toBe(`substr("Name", 1, 2) = 'ab'`);
  });

  it('translates LIKE to ILIKE, with ESCAPE when the pattern has a backslash', () => {
    expect(ok("name LIKE 'a%'")).toBe(`"Name" ILIKE 'a%'`);
    expect(ok("name NOT LIKE 'a\\b%'")).toBe(`"Name" NOT ILIKE 'a\\b%' ESCAPE ''`);
    expect(ok("name LIKE 'a!%' ESCAPE '!'")).toBe(`"Name" ILIKE 'a!%' ESCAPE '!'`);
    expect(refused("name LIKE 'é%'")).toMatch(/non-ASCII/);
  });

  it('renders hex and blob literals for PostgreSQL', () => {
    expect(ok('qty < 0x10')).toBe('"qty" < 16');
    expect(ok("name != x'00FF'")).toBe(`"Name" != '\\x00ff'::bytea`);
  });

  it('refuses what it cannot translate faithfully', () => {
    expect(refused("name GLOB 'a*'")).toMatch(/GLOB/);
    expect(refused("strftime('%Y', name) > '2000'")).toBe('function strftime has no PostgreSQL equivalent');
    expect(refused('nope > 1')).toMatch(/not a column/);
    expect(refused('t.qty > 1')).toMatch(/qualified/);
    expect(refused('qty IN (SELECT 1)')).toMatch(/subqueries/);
    expect(refused('CAST(name AS INTEGER) > 1')).toMatch(/CAST/);
    expect(refused("substr(name, -2) = 'ab'")).toMatch(/substr/);
    expect(refused('length(qty) = 2')).toMatch(/bigint/);
    expect(refused('name = ?')).toMatch(/parameter/);
    expect(refused('qty = TRUE')).toMatch(/TRUE/);
    expect(refused("name COLLATE NOCASE = 'a'")).toMatch(/NOCASE/);
    expect(refused("'unterminated")).toMatch(/cannot read/);
  });

  it('handles boolean columns: IN (0, 1) becomes IN (false, true), anything else is refused', () => {
    expect(ok('flag IN (0, 1)')).toBe('"flag" IN (false, true)');
    expect(ok('flag IN (1,0)')).toBe('"flag" IN (false, true)');
    expect(refused('flag = 1')).toMatch(/boolean/);
  });
});

describe('translateExpression on boolean columns', () => {
  it('allows NULL tests', () => {
    expect(ok('flag IS NOT NULL AND flag ISNULL OR flag IS NULL OR flag NOT NULL')).toBe(
      '"flag" IS NOT NULL AND "flag" IS NULL OR "flag" IS NULL OR "flag" IS NOT NULL',
    );
    expect(refused('flag IS NOT 1')).toMatch(/boolean/);
  });
});

describe('jsonb columns (JSON, and the variant of columns without declared type)', () => {
  const jsonbOf = (): PgType => 'jsonb';
  const identity = (n: string): string => n;
  it('are refused in comparisons, whose jsonb operators do not compare as SQLite does', () => {
    const r = translateExpression('v > 0', identity, jsonbOf);
    expect(r.ok ? r.sql : r.reason).toMatch(/column v is jsonb in PostgreSQL/);
  });
  it('keep their null tests', () => {
    expect(translateExpression('v IS NOT NULL', identity, jsonbOf)).toEqual({
      ok: true,
      sql: '"v" IS NOT NULL',
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { PgType } from '../../src/model/target-schema.js';
import { translateExpression } from '../../src/schema/expression.js';

const columns: Record<string, string> = {
  name: 'Name',
  qty: 'qty',
  flag: 'flag',
  done: 'done',
  'odd"col': 'odd"col',
  price: 'price',
  amount: 'amount',
};
const types: Record<string, PgType> = {
  name: 'text',
  qty: 'bigint',
  flag: 'boolean',
  done: 'boolean',
  price: 'double precision',
  amount: 'numeric',
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
    expect(refused('CURRENT_DATE > 1')).toMatch(/only translated as a DEFAULT/);
    expect(refused("name -> '$.a' = 1")).toMatch(/->/);
    expect(refused('(qty, 1) = (1, 2)')).toMatch(/row values/);
    expect(refused("name COLLATE NOCASE = 'a'")).toMatch(/NOCASE/);
    expect(refused("'unterminated")).toMatch(/cannot read/);
  });

  it('reads TRUE and FALSE as the integers 1 and 0', () => {
    expect(ok('qty = TRUE')).toBe('"qty" = 1');
    expect(ok('qty + FALSE > 0')).toBe('"qty" + 0 > 0');
  });

  it('keeps what SQLite gives where PostgreSQL would raise an error or round differently', () => {
    // SQLite divides by zero into NULL.
    expect(ok('qty / price > 1')).toBe('"qty" / nullif("price", 0) > 1');
    expect(ok('qty % 2 = 0')).toBe('"qty" % 2 = 0');
    // A SQLite REAL is a double, not PostgreSQL's exact numeric.
    expect(ok('price > 0.1 + 0.2')).toBe('"price" > 0.1::double precision + 0.2::double precision');
    // Shifts are 64-bit in SQLite.
    expect(ok('1 << 40 = qty')).toBe('1::bigint << 40 = "qty"');
    expect(refused('qty << qty > 0')).toMatch(/counts outside 0 to 63/);
    expect(refused('price % 2 = 0')).toMatch(/truncates column price/);
    expect(refused('coalesce(qty, 0.5) / 2 > 1')).toMatch(/integer or a real row by row/);
    expect(refused('amount / 2 > 1')).toMatch(/column amount, an integer or a real row by row/);
    expect(ok('amount AND amount * 2 > qty')).toBe('"amount" <> 0 AND "amount" * 2 > "qty"');
    expect(refused("CASE WHEN qty THEN 'a' ELSE 1 END")).toMatch(/CASE results mix text and int/);
    expect(refused('name = 1')).toMatch(/compares column name with the integer 1/);
    expect(ok('CASE WHEN qty > 0 THEN NULL END = 1')).toBe('CASE WHEN "qty" > 0 THEN NULL::bigint END = 1');
  });

  it('renders with PostgreSQL precedence where it differs from SQLite', () => {
    // SQLite binds < tighter than =; PostgreSQL gives them one level and no associativity.
    expect(ok('qty < 1 = flag')).toBe('("qty" < 1) = "flag"');
    expect(ok("name || qty || flag = 'a11'")).toBe(`"Name" || "qty"::text || "flag"::int::text = 'a11'`);
    expect(refused('name + 1 > 0')).toMatch(/arithmetic on column name/);
    expect(refused("price || 'x' = '1.0x'")).toMatch(/column price is read as text/);
    expect(ok('~qty + 1 = 0')).toBe('(~"qty") + 1 = 0');
    expect(ok('NOT qty = 1 AND (qty > 2 OR qty < 0)')).toBe('NOT "qty" = 1 AND ("qty" > 2 OR "qty" < 0)');
    expect(ok('qty - -1 > 0')).toBe('"qty" - -1 > 0');
    expect(ok('qty BETWEEN 1 = 1 AND 2')).toBe('"qty" BETWEEN (1 = 1)::int AND 2');
    expect(ok('- -qty = 1')).toBe('- -"qty" = 1');
  });
});

describe('translateExpression on boolean columns (0/1 in SQLite, boolean in PostgreSQL)', () => {
  it('reduces comparisons with numeric literals to the values 0/1 that satisfy them', () => {
    expect(ok('flag = 1')).toBe('"flag"');
    expect(ok('flag == 0')).toBe('NOT "flag"');
    expect(ok('1 = flag')).toBe('"flag"');
    expect(ok('flag <> 0')).toBe('"flag"');
    expect(ok('flag != 1')).toBe('NOT "flag"');
    expect(ok('flag > 0')).toBe('"flag"');
    expect(ok('flag < 1')).toBe('NOT "flag"');
    expect(ok('flag >= 0')).toBe('"flag" IN (false, true)');
    expect(ok('flag = 2')).toBe('"flag" NOT IN (false, true)');
    expect(ok('flag > 0.5')).toBe('"flag"');
    expect(ok('flag = -1')).toBe('"flag" NOT IN (false, true)');
    expect(ok('flag = TRUE')).toBe('"flag"');
    expect(ok('(flag) = (1)')).toBe('("flag")');
  });

  it('reads text literals as SQLite does beside a boolean column (NUMERIC affinity)', () => {
    expect(ok("flag = '1'")).toBe('"flag"');
    expect(ok("flag = ' 1.0 '")).toBe('"flag"');
    expect(ok("flag IN ('0', '1')")).toBe('"flag" IN (false, true)');
    // Text SQLite cannot read as a number sorts after every number.
    expect(ok("flag = 'yes'")).toBe('"flag" NOT IN (false, true)');
    expect(ok("flag < 'yes'")).toBe('"flag" IN (false, true)');
    expect(ok("flag = '0x1'")).toBe('"flag" NOT IN (false, true)');
    // Without a column there is no affinity: '1' stays text.
    expect(ok("(qty > 0) = '1'")).toBe('("qty" > 0) NOT IN (false, true)');
  });

  it('keeps IS / IS NOT NULL-safe', () => {
    expect(ok('flag IS 1')).toBe('"flag" IS TRUE');
    expect(ok('flag IS 0')).toBe('"flag" IS FALSE');
    expect(ok('flag IS 2')).toBe('false');
    expect(ok('flag IS NOT 1')).toBe('"flag" IS NOT TRUE');
    expect(ok('flag IS NOT 0')).toBe('"flag" IS NOT FALSE');
    expect(ok('flag IS NOT 2')).toBe('true');
    expect(ok('flag IS NOT DISTINCT FROM 1')).toBe('"flag" IS TRUE');
  });

  it('reads IS TRUE / IS FALSE as truth tests', () => {
    expect(ok('qty IS TRUE')).toBe('"qty" <> 0 IS TRUE');
    expect(ok('flag IS NOT FALSE')).toBe('"flag" IS NOT FALSE');
  });

  it('reduces IN lists and BETWEEN of literals', () => {
    expect(ok('flag IN (0, 1)')).toBe('"flag" IN (false, true)');
    expect(ok('flag IN (1,0)')).toBe('"flag" IN (false, true)');
    expect(ok('flag IN (1, 5)')).toBe('"flag"');
    expect(ok('flag NOT IN (1)')).toBe('NOT "flag"');
    expect(ok('flag NOT IN (0, 1)')).toBe('"flag" NOT IN (false, true)');
    expect(ok('flag IN ()')).toBe('false');
    expect(ok('flag BETWEEN 1 AND 3')).toBe('"flag"');
    expect(ok('flag NOT BETWEEN 1 AND 3')).toBe('NOT "flag"');
    // A NULL in the list keeps SQLite's three-valued result through the integer.
    expect(ok('flag IN (0, NULL)')).toBe('"flag"::int IN (0, NULL)');
  });

  it('uses bare booleans as conditions and NOT on them', () => {
    expect(ok('flag')).toBe('"flag"');
    expect(ok('NOT flag')).toBe('NOT "flag"');
    expect(ok('flag AND NOT done')).toBe('"flag" AND NOT "done"');
    expect(ok('flag OR qty')).toBe('"flag" OR "qty" <> 0');
  });

  it('turns numbers used as conditions into <> 0', () => {
    expect(ok('qty')).toBe('"qty" <> 0');
    expect(ok('NOT qty')).toBe('NOT "qty" <> 0');
    expect(ok('price AND qty + 1')).toBe('"price" <> 0 AND "qty" + 1 <> 0');
    expect(ok('CASE WHEN qty THEN 1 ELSE 0 END')).toBe('CASE WHEN "qty" <> 0 THEN 1 ELSE 0 END <> 0');
    expect(refused('name')).toMatch(/column name is used as a condition/);
  });

  it('casts booleans to int in arithmetic and beside numbers', () => {
    expect(ok('flag + done = 2')).toBe('"flag"::int + "done"::int = 2');
    expect(ok('flag = qty')).toBe('"flag"::int = "qty"');
    expect(ok('flag = done')).toBe('"flag" = "done"');
    expect(ok('-flag < 0')).toBe('-"flag"::int < 0');
    expect(ok('(qty > 0) + flag = 1')).toBe('("qty" > 0)::int + "flag"::int = 1');
    expect(ok('coalesce(flag, 0) = 1')).toBe('coalesce("flag"::int, 0) = 1');
    expect(ok('coalesce(flag, done)')).toBe('coalesce("flag", "done")');
    expect(ok('abs(flag) = 1')).toBe('abs("flag"::int) = 1');
    expect(ok('qty IN (flag, 2)')).toBe('"qty" IN ("flag"::int, 2)');
  });

  it('translates CASE over booleans', () => {
    expect(ok("CASE WHEN flag THEN 'y' ELSE 'n' END = 'y'")).toBe(
      `CASE WHEN "flag" THEN 'y' ELSE 'n' END = 'y'`,
    );
    expect(ok('CASE flag WHEN 1 THEN qty ELSE 0 END > 0')).toBe(
      'CASE "flag"::int WHEN 1 THEN "qty" ELSE 0 END > 0',
    );
    expect(ok('CASE WHEN qty > 0 THEN flag ELSE done END')).toBe(
      'CASE WHEN "qty" > 0 THEN "flag" ELSE "done" END',
    );
    expect(ok('CASE WHEN qty > 0 THEN flag ELSE 0 END')).toBe(
      'CASE WHEN "qty" > 0 THEN "flag"::int ELSE 0 END <> 0',
    );
  });

  it('allows NULL tests', () => {
    expect(ok('flag IS NOT NULL AND flag ISNULL OR flag IS NULL OR flag NOT NULL')).toBe(
      '"flag" IS NOT NULL AND "flag" IS NULL OR "flag" IS NULL OR "flag" IS NOT NULL',
    );
  });

  it('refuses what SQLite compares by type order or as text', () => {
    expect(refused('flag = name')).toMatch(/boolean .* with column name/);
    expect(refused('flag = name')).toMatch(/column name/);
    expect(ok("flag LIKE '1%'")).toBe(`"flag"::int::text ILIKE '1%'`);
    expect(refused("price LIKE '1%'")).toMatch(/column price is read as text/);
    expect(refused('length(flag) = 1')).toMatch(/length\(\) of a boolean column/);
  });

  it('renders index keys and defaults for their use', () => {
    const use = (sql: string, u: Parameters<typeof translateExpression>[3]): string => {
      const r = translateExpression(sql, map, typeOf, u);
      return r.ok ? r.sql : `refused: ${r.reason}`;
    };
    expect(use('flag', 'index key')).toBe('"flag"');
    expect(use('qty', 'index key')).toBe('"qty"');
    expect(use('flag + 0', 'index key')).toBe('"flag"::int + 0');
    expect(use('1 > 0', { defaultOf: 'boolean' })).toBe('1 > 0');
    expect(use('1 > 0', { defaultOf: 'bigint' })).toBe('(1 > 0)::int');
    expect(use('1 + 1', { defaultOf: 'boolean' })).toMatch(/refused: .*default of a boolean column/);
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

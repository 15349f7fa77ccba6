import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/config/config.js';
import { type TableCensus, takeCensus } from '../../src/schema/census.js';
import { createTableSql, postDataSql } from '../../src/schema/ddl.js';
import { introspect } from '../../src/schema/introspect.js';
import { renderPlan } from '../../src/schema/plan-report.js';
import { translate } from '../../src/schema/translate.js';
import { copyFixture, tempSqlite } from '../support/sqlite.js';

describe('census on crafted odd data', () => {
  const db = new Database(tempSqlite());
  db.exec(`
    CREATE TABLE "odd ""table""" (
      k TEXT, j INT, n INTEGER, r REAL, flag BOOLEAN, at DATETIME, d DATE, body TEXT, doc JSON, raw BLOB, anything,
      PRIMARY KEY (k, j)
    );
  `);
  const insert = db
    .prepare(`INSERT INTO "odd ""table""" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .safeIntegers(true);
  const rows: unknown[][] = [
    [
      'a',
      1n,
      1n,
      1.5,
      1n,
      '2025-07-24 10:00:00.123456',
      '2025-07-24',
      'plain',
      '{"a":1}',
      Buffer.from([1]),
      1n,
    ],
    [
      'b',
      2n,
      'seven',
      9007199254740993n,
      0n,
      1721800000n,
      'yesterday',
      'nul\0inside',
      'not json',
      'text in blob',
      'x',
    ],
    [null, 3n, 2.5, 2n, 'true', 'July 24', 20250724n, Buffer.from([0xff]), null, null, Buffer.from([2])],
    ['d', 4n, 9007199254740993n, null, 7n, '2025-07-24T10:00', null, 42n, '[1,2]', null, 2.5],
    ['e', null, null, null, 'yes', null, null, null, null, null, null],
  ];
  for (const r of rows) insert.run(...r);
  const schema = introspect(db);
  const target = translate(schema, DEFAULT_TRANSLATE_OPTIONS);
  const census = takeCensus(db, schema.tables[0]!, target.tables[0]!);
  const column = (name: string) => census.columns.find((c) => c.column === name)!;
  const kinds = (name: string) => Object.fromEntries(column(name).findings.map((f) => [f.kind, f.count]));

  it('counts rows and storage classes', () => {
    expect(census.rows).toBe(5);
    expect(column('n').counts).toEqual({ integer: 2, real: 1, text: 1, blob: 0, null: 1 });
    expect(column('anything').counts).toEqual({ integer: 1, real: 1, text: 1, blob: 1, null: 1 });
  });

  it('finds NULLs in primary key columns', () => {
    expect(kinds('k')['null-in-primary-key']).toBe(1);
    expect(kinds('j')['null-in-primary-key']).toBe(1);
  });

  it('finds text, fractions and big integers in number columns', () => {
    expect(kinds('n')).toMatchObject({
      'text-in-number': 1,
      'fraction-in-integer': 1,
      'integer-beyond-2^53': 1,
    });
    expect(column('n').findings.find((f) => f.kind === 'integer-beyond-2^53')!.level).toBe('info');
    // REAL affinity turned the big integer into a float at insert time: nothing left to find.
    expect(column('r').counts).toMatchObject({ integer: 0, real: 3 });
  });

  it('classifies boolean values', () => {
    // boolean gives back 0/1 only: 'true' and 'yes' are refused like 7.
    expect(kinds('flag')).toEqual({ 'not-boolean': 3 });
  });

  it('finds epoch numbers and non-ISO text in date/time columns', () => {
    expect(kinds('at')).toEqual({ 'number-in-time': 1, 'text-not-date': 1 });
    expect(kinds('d')).toEqual({ 'number-in-time': 1, 'text-not-date': 1 });
  });

  it('finds NUL characters, BLOBs and numbers in text, invalid JSON, text in BLOB columns', () => {
    // TEXT affinity stored 42 as '42'.
    expect(kinds('body')).toEqual({ 'nul-in-text': 1, 'blob-in-text': 1 });
    expect(kinds('doc')).toEqual({ 'invalid-json': 1 });
    expect(kinds('raw')).toEqual({ 'text-in-bytea': 1 });
    expect(column('raw').findings[0]!.level).toBe('error');
    // No declared type: a jsonb variant keeps every storage class, nothing to find.
    expect(kinds('anything')).toEqual({});
  });

  it('reads the min and max of a partition column', () => {
    const db2 = new Database(tempSqlite());
    db2.exec(`CREATE TABLE ev (id INTEGER PRIMARY KEY, at DATETIME NOT NULL);
      INSERT INTO ev (at) VALUES ('2025-07-24 10:00:00'), ('2025-07-20 00:00:01'), ('2025-08-01 23:00:00');`);
    const s = introspect(db2);
    const t = translate(s, {
      ...DEFAULT_TRANSLATE_OPTIONS,
      partitions: { ev: { column: 'at', interval: 'week' } },
    });
    expect(takeCensus(db2, s.tables[0]!, t.tables[0]!).partitionRange).toEqual({
      min: '2025-07-20 00:00:01',
      max: '2025-08-01 23:00:00',
    });
  });
});

describe('plan for the collector fixture', () => {
  const db = new Database(copyFixture());
  const schema = introspect(db);
  const target = translate(schema, DEFAULT_TRANSLATE_OPTIONS);
  const census = new Map<string, TableCensus>(
    schema.tables.map((t, i) => [t.name, takeCensus(db, t, target.tables[i]!)]),
  );

  it('translates every table with its documented types', () => {
    const flights = target.tables.find((t) => t.name === 'flights')!;
    const type = (c: string) => flights.columns.find((x) => x.name === c)!.type;
    expect([
      type('id'),
      type('callsign'),
      type('last_updated'),
      type('altitude_small'),
      type('position'),
    ]).toEqual(['bigint', 'text', 'timestamp', 'bigint', 'text']);
    const airports = target.tables.find((t) => t.name === 'airport_config')!;
    expect(airports.columns.find((c) => c.name === 'is_active')!.type).toBe('boolean');
    expect(airports.columns.find((c) => c.name === 'latitude')!.type).toBe('double precision');
    expect(target.tables.find((t) => t.name === 'movement_summaries')).toMatchObject({
      autoincrement: true,
      identityColumn: 'id',
    });
    expect(target.tables.find((t) => t.name === 'system_config')!.indexes.map((i) => i.name)).toContain(
      'system_config_key_key',
    );
  });

  it('counts the fixture rows and sees SMALLINT values beyond 16 bits as plain integers', () => {
    expect(census.get('flights')!.rows).toBe(3550);
    expect(census.get('controllers')!.rows).toBe(377);
    const small = census.get('flights')!.columns.find((c) => c.column === 'altitude_small')!;
    expect(small.findings.filter((f) => f.level === 'error')).toEqual([]);
  });

  it('renders a readable plan with types, reasons, counts, notes and DDL', () => {
    const ddl = target.tables
      .map((t) => [createTableSql(t), ...postDataSql(t).primaryKey].join(';\n'))
      .join(';\n\n');
    const plan = renderPlan(target, census, ddl);
    expect(plan).toMatch(/^flights → public\.flights, 3550 rows; key: primary key \(id\)/m);
    expect(plan).toMatch(/altitude_small\s+SMALLINT\s+→ bigint/);
    expect(plan).toMatch(/SQLite integers are 64-bit/);
    expect(plan).toMatch(/census: integer \d+/);
    expect(plan).toContain('CREATE TABLE "public"."flights"');
    expect(plan.split('\n').some((l) => l.startsWith('DDL'))).toBe(true);
  });
});

describe('plan says, next to each census count, what the rules keep and refuse', () => {
  it('for JSON numbers, the key-value table, UUID, BOOLEAN and BLOB columns', () => {
    const db = new Database(tempSqlite());
    db.exec(`
      CREATE TABLE settings (key PRIMARY KEY, value);
      INSERT INTO settings VALUES ('a', 1), ('b', 1.5), ('c', 'x'), ('d', x'00'), ('e', NULL);
      CREATE TABLE t (id INTEGER PRIMARY KEY, doc JSON, uid UUID, price MONEY, flag BOOLEAN, raw BLOB);
      INSERT INTO t (doc, uid, price, flag, raw) VALUES ('42', 'b3a4…', 12.5, 1, x'01'), ('[1]', 7, 3, 2, 'text'),
        (1e999, x'02', 4, 'true', x'03');
    `);
    const schema = introspect(db);
    const target = translate(schema, DEFAULT_TRANSLATE_OPTIONS);
    const census = new Map<string, TableCensus>(
      schema.tables.map((t, i) => [t.name, takeCensus(db, t, target.tables[i]!)]),
    );
    const plan = renderPlan(target, census, '');
    const section = (column: string) => {
      const lines = plan.split('\n');
      const start = lines.findIndex((l) => new RegExp(`^  ${column}\\s`).test(l));
      const end = lines.findIndex((l, i) => i > start && /^ {2}\S/.test(l));
      return lines.slice(start, end < 0 ? undefined : end).join('\n');
    };
    expect(section('value')).toContain('→ jsonb');
    expect(section('value')).toMatch(/integer 1: kept \(a JSON integer\)/);
    expect(section('value')).toMatch(/real 1: kept \(a JSON number with a fraction/);
    expect(section('value')).toMatch(/blob 1: kept \(tagged/);
    expect(section('doc')).toMatch(/integer 1: kept \(a JSON number/);
    expect(section('doc')).toMatch(
      /real 1: kept only finite ones \(±Inf is not JSON\); the rest refused \(cast: double precision\)/,
    );
    expect(section('doc')).toMatch(/infinite REALs/);
    expect(section('uid')).toMatch(/blob 1: refused: a blob would not come back as a blob \(cast: bytea\)/);
    expect(section('price')).toMatch(/only numbers found: cast: numeric/);
    expect(section('flag')).toMatch(/text 1: refused: boolean gives back 0\/1 only \(cast: text\)/);
    expect(section('flag')).toMatch(
      /integer 2: kept only 0 and 1 \(boolean gives back 0\/1 only\); the rest refused \(cast: text\)/,
    );
    expect(section('raw')).toMatch(/text 1: refused: text would come back as a blob \(cast: text\)/);
    // cast: text on the key-value table: the plan says plainly what text does not keep.
    const cast = translate(schema, {
      ...DEFAULT_TRANSLATE_OPTIONS,
      tables: { settings: { columns: { value: { cast: 'text' } } } },
    });
    const castPlan = renderPlan(
      cast,
      new Map([['settings', takeCensus(db, schema.tables[0]!, cast.tables[0]!)]]),
      '',
    );
    expect(castPlan).toMatch(/integer 1: changed: copied as digits, comes back as text/);
    expect(castPlan).toMatch(/blob 1: refused: a blob would not come back as a blob/);
    db.close();
  });
});

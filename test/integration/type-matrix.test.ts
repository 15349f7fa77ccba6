import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { snapshot, verify } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();

/**
 * Every declared-type family × the oddities real SQLite files hold: each value lands in
 * PostgreSQL exactly (compared as PostgreSQL prints it), or is quarantined with the exact reason.
 * One table per family: `v` holds the value under test, `id` says which case it is.
 */
const FAMILIES: Record<
  string,
  { declared: string; pgType: string; cases: [unknown, string | { error: RegExp }][] }
> = {
  integer: {
    declared: 'INTEGER',
    pgType: 'bigint',
    cases: [
      [9223372036854775807n, '9223372036854775807'],
      [-9223372036854775808n, '-9223372036854775808'],
      [9007199254740993n, '9007199254740993'],
      ['fast', { error: /text 'fast' cannot be stored in bigint column "v"/ }],
      [1.5, { error: /cannot be stored in bigint column "v"/ }],
    ],
  },
  smallint: {
    declared: 'SMALLINT',
    pgType: 'bigint',
    cases: [
      [35000n, '35000'],
      [-1n, '-1'],
    ],
  },
  real: {
    declared: 'FLOAT',
    pgType: 'double precision',
    cases: [
      [0.1, '0.1'],
      [1 / 3, '0.3333333333333333'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      [Number.NEGATIVE_INFINITY, '-Infinity'],
      [0.9870395281574583, '0.9870395281574583'],
    ],
  },
  varchar: {
    declared: 'VARCHAR(3)',
    pgType: 'text',
    cases: [
      ['longer than three', 'longer than three'],
      ['\\N', '\\N'],
      ['tab\there', 'tab\there'],
      ['back\\slash', 'back\\slash'],
      ['line\nnew\r\nend', 'line\nnew\r\nend'],
      ['\\.', '\\.'],
      ['✈ 🛫', '✈ 🛫'],
      ['', ''],
      ['nul\u0000inside', { error: /NUL/ }],
    ],
  },
  blob: {
    declared: 'BLOB',
    pgType: 'bytea',
    cases: [
      [Buffer.from([0, 0x5c, 0xff, 0x0a]), '\\x005cff0a'],
      [Buffer.alloc(0), '\\x'],
    ],
  },
  numeric: {
    declared: 'DECIMAL(10,2)',
    pgType: 'numeric',
    cases: [
      ['1.50', '1.5'],
      [123456789012345678n, '123456789012345678'],
      ['1,5', { error: /numeric column "v"/ }],
    ],
  },
  boolean: {
    declared: 'BOOLEAN',
    pgType: 'boolean',
    cases: [
      [0n, 'false'],
      [1n, 'true'],
      ['true', 'true'],
      ['f', 'false'],
      [2n, { error: /boolean column "v"/ }],
    ],
  },
  datetime: {
    declared: 'DATETIME',
    pgType: 'timestamp without time zone',
    cases: [
      ['2025-07-23 19:47:09.319724', '2025-07-23 19:47:09.319724'],
      ['2025-07-23T19:47:09Z', '2025-07-23 19:47:09'],
      ['2025-01-01 01:00+02:00', '2024-12-31 23:00:00'],
      ['2024-02-29', '2024-02-29 00:00:00'],
      ['2025-07-23 19:47:09.123456000', '2025-07-23 19:47:09.123456'],
      ['2025-07-23 19:47:09.1234567', { error: /timestamp column "v"/ }],
      ['2023-02-29 10:00:00', { error: /timestamp column "v"/ }],
      [1721764029n, { error: /integer 1721764029 is not a valid date/ }],
    ],
  },
  date: {
    declared: 'DATE',
    pgType: 'date',
    cases: [
      ['2025-07-24', '2025-07-24'],
      ['2025-07-24 10:00:00', { error: /date column "v"/ }],
    ],
  },
  json: {
    declared: 'JSON',
    pgType: 'jsonb',
    cases: [
      ['{"b": 1, "a": [1.50, "x"]}', '{"a": [1.50, "x"], "b": 1}'],
      ['not json', { error: /jsonb column "v"/ }],
      ['{"a": "\\u0000"}', { error: /jsonb column "v"/ }],
    ],
  },
  untyped: {
    declared: '',
    pgType: 'text',
    cases: [
      ['x', 'x'],
      [42n, '42'],
      [1.5, '1.5'],
    ],
  },
};

let file: string;

beforeAll(async () => {
  file = tempSqlite();
  const s = new Database(file);
  s.defaultSafeIntegers(true);
  for (const [name, family] of Object.entries(FAMILIES)) {
    s.exec(`CREATE TABLE "${name}" (id INTEGER PRIMARY KEY, v ${family.declared})`);
    const insert = s.prepare(`INSERT INTO "${name}" (id, v) VALUES (?, ?)`);
    family.cases.forEach(([value], i) => {
      insert.run(BigInt(i), value);
    });
  }
  s.close();
  await snapshot(file, db.url(), { onBadRow: 'quarantine' });
});

describe.each(Object.entries(FAMILIES))('declared %s', (name, family) => {
  it(`becomes ${family.pgType}, each value exact or quarantined with its reason`, async () => {
    const type = await db.query<{ t: string }>(
      "SELECT data_type AS t FROM information_schema.columns WHERE table_name = $1 AND column_name = 'v'",
      [name],
    );
    expect(type.rows[0]?.t).toBe(family.pgType);
    const rows = await db.query<{ id: number; v: string | null }>(
      `SELECT id::int, v::text FROM "${name}" ORDER BY id`,
    );
    const landed = new Map(rows.rows.map((r) => [r.id, r.v]));
    const rejects = await db.query<{ id: string; reason: string }>(
      "SELECT row_key->'id'->>'integer' AS id, reason FROM litebridge.rejects WHERE table_name = $1",
      [name],
    );
    const rejected = new Map(rejects.rows.map((r) => [Number(r.id), r.reason]));
    family.cases.forEach(([input, expected], i) => {
      if (typeof expected === 'string') {
        expect({ input, pg: landed.get(i) }).toEqual({ input, pg: expected });
        expect(rejected.has(i)).toBe(false);
      } else {
        expect(landed.has(i)).toBe(false);
        expect(rejected.get(i)).toMatch(expected.error);
      }
    });
  });
});

it('verify counts exactly the quarantined rows as differences', async () => {
  const result = await verify(file, db.url());
  const expectedMissing = Object.values(FAMILIES).reduce(
    (n, f) => n + f.cases.filter(([, e]) => typeof e !== 'string').length,
    0,
  );
  expect(result.tables.reduce((n, t) => n + t.missingCount, 0)).toBe(expectedMissing);
  expect(result.tables.reduce((n, t) => n + t.differentCount + t.extraCount, 0)).toBe(0);
});

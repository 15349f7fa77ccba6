import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { snapshot, verify } from '../support/bridge.js';
import { dropIdleSlots, startSync } from '../support/cutover.js';
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
      // boolean gives back 0/1 only: anything else would come back changed.
      ['true', { error: /text 'true' cannot be stored in boolean column "v": boolean gives back 0\/1 only/ }],
      ['f', { error: /boolean gives back 0\/1 only/ }],
      [2n, { error: /integer 2 cannot be stored in boolean column "v": boolean gives back 0\/1 only/ }],
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
      // NUMERIC affinity stores JSON number text as INTEGER or REAL: JSON numbers.
      ['42', '42'],
      ['1.5', '1.5'],
      ['1e20', '100000000000000000000'],
      // SQLite's NUMERIC affinity stores -0.0 as the INTEGER 0 (jsonb could not keep the sign anyway).
      [-0, '0'],
      [
        Number.POSITIVE_INFINITY,
        { error: /real Infinity cannot be stored in jsonb column "v": Infinity is not a JSON number/ },
      ],
      [Buffer.from('{}'), { error: /a blob is not JSON text/ }],
    ],
  },
  untyped: {
    declared: '',
    pgType: 'jsonb',
    cases: [
      ['x', '"x"'],
      ['42', '"42"'],
      [42n, '42'],
      [1.5, '1.5'],
      [2.0, '2.0'],
      [Buffer.from([0xca, 0xfe]), '{"$blob": "cafe"}'],
      [Number.NEGATIVE_INFINITY, '{"$real": "-Infinity"}'],
      ['nul\u0000inside', { error: /jsonb \(variant\) column "v": text contains U\+0000/ }],
    ],
  },
  uuid: {
    declared: 'UUID',
    pgType: 'text',
    cases: [
      ['0b1c8d1e-6f0a-4a52-9d55-1a2b3c4d5e6f', '0b1c8d1e-6f0a-4a52-9d55-1a2b3c4d5e6f'],
      ['12', '12'],
      [0.1, '0.1'],
      [
        Buffer.from([1]),
        {
          error:
            /blob x'01' \(1 byte\) cannot be stored in text column "v": text would give the blob back as text/,
        },
      ],
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

it('a value the principle refuses stops the snapshot naming table, key, column, value and reason', async () => {
  const refused = tempSqlite('refused.db');
  const s = new Database(refused);
  s.defaultSafeIntegers(true);
  s.exec('CREATE TABLE flags (id INTEGER PRIMARY KEY, active BOOLEAN)');
  s.prepare('INSERT INTO flags VALUES (?, ?)').run(1n, 1n);
  s.prepare('INSERT INTO flags VALUES (?, ?)').run(2n, 2n);
  s.close();
  await expect(snapshot(refused, db.url(), { schema: 'refused' })).rejects.toThrow(
    /table "flags", key id=2, column "active".*integer 2 cannot be stored in boolean column "active": boolean gives back 0\/1 only/s,
  );
  // The same value written while sync runs stops live apply, named the same way.
  const live = tempSqlite('refused-live.db');
  const app = new Database(live);
  app.pragma('journal_mode = WAL');
  app.exec('CREATE TABLE flags (id INTEGER PRIMARY KEY, active BOOLEAN); INSERT INTO flags VALUES (1, 1)');
  const sync = startSync(live, db.url(), 'refused_live');
  await sync.snapshotted();
  app.exec("INSERT INTO flags VALUES (2, 'true')");
  await expect(sync.done).rejects.toThrow(
    /table "flags", key id=2, column "active": text 'true' cannot be stored in boolean column "active": boolean gives back 0\/1 only/,
  );
  app.close();
  await dropIdleSlots(db.query);
}, 60_000);

it('SQLite stores -0.0 in a JSON (NUMERIC affinity) column as the integer 0, and jsonb prints -0 as 0', async () => {
  const s = new Database(tempSqlite('negative-zero.db'));
  s.exec('CREATE TABLE j (v JSON)');
  s.prepare('INSERT INTO j VALUES (?)').run(-0);
  s.prepare("INSERT INTO j VALUES ('-0.0')").run();
  expect(s.prepare('SELECT typeof(v) AS t, quote(v) AS q FROM j').all()).toEqual([
    { t: 'integer', q: '0' },
    { t: 'integer', q: '0' },
  ]);
  s.close();
  expect(
    (await db.query<{ v: string }>("SELECT '-0'::jsonb::text AS v, '-0.0'::jsonb::text AS w")).rows[0],
  ).toEqual({
    v: '0',
    w: '0.0',
  });
});

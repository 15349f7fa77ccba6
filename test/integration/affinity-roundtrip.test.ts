import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { runDriftReport } from '../../src/verify/drift-report.js';
import { verify } from '../support/bridge.js';
import { cutover, dropIdleSlots, startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();

/** drift-report's verdict (as its exit status 0 or 1 says): true when a difference was found. */
async function drifted(file: string): Promise<boolean> {
  const config = loadConfig({ sqlite: file, pg: db.url() }, {});
  return (await runDriftReport(config, silentLogger, {})).drift;
}

/**
 * Tables whose declared types SQLite's affinity rules give storage classes the old rules lost:
 * JSON (NUMERIC affinity: JSON number text becomes INTEGER or REAL), the key-value table with no
 * declared types (every storage class side by side), UUID and MONEY (NUMERIC affinity, not a
 * number type), DECIMAL and BOOLEAN.
 */
const SCHEMA = `
  CREATE TABLE docs (id INTEGER PRIMARY KEY, body JSON);
  CREATE TABLE settings (key PRIMARY KEY, value);
  CREATE TABLE tokens (id INTEGER PRIMARY KEY, uuid UUID, price MONEY);
  CREATE TABLE prices (id INTEGER PRIMARY KEY, amount DECIMAL(10,2));
  CREATE TABLE flags (id INTEGER PRIMARY KEY, active BOOLEAN);
  CREATE TABLE anything (id INTEGER PRIMARY KEY, v ANY) STRICT;
`;

/** Values as applications write them: bound strings and numbers, literals and json() results. */
const DOCS: readonly unknown[] = [
  '42',
  '1.5',
  '{"a": [1, 2.50, "x"]}',
  '1e20',
  '0.1',
  '1.7976931348623157e308',
  '-9223372036854775808',
  '9223372036854775807',
  '"a JSON string"',
  '[true, null]',
  7n,
  0.25,
];
const SETTINGS: readonly [unknown, unknown][] = [
  ['theme', 'dark'],
  ['volume', 11n],
  ['ratio', 0.5],
  ['whole real', 2.0],
  ['big real', 1e17],
  ['tiny', 5e-324],
  ['numeric text', '42'],
  ['spaced', ' 7 '],
  ['negative zero', -0],
  ['infinite', Number.POSITIVE_INFINITY],
  ['icon', Buffer.from([0, 1, 0xfe, 0xff])],
  ['empty blob', Buffer.alloc(0)],
  ['tag look-alike', '{"$blob": "00"}'],
  ['nothing', null],
  [42n, 'integer key'],
  [Buffer.from('k'), 'blob key'],
  [1.5, 'real key'],
];
const TOKENS: readonly [unknown, unknown][] = [
  ['0b1c8d1e-6f0a-4a52-9d55-1a2b3c4d5e6f', '12.50'],
  ['6f1e2d3c-0000-4000-8000-00000000abcd', 12n],
  ['12', 0.1],
  [' 12 ', '$5'],
];
const PRICES: readonly unknown[] = ['7.00', 7n, '1.5', 1.5, '1e20', Number.NEGATIVE_INFINITY];
const FLAGS: readonly unknown[] = [0n, 1n, '1', 0];
const ANYTHING: readonly unknown[] = ['text', 3n, 3.0, Buffer.from([9]), '3', null];

type Rows = [string, string][];
interface Seen {
  readonly docs: Rows;
  readonly settings: Rows;
  readonly tokens: Rows;
  readonly prices: Rows;
  readonly flags: Rows;
  readonly anything: Rows;
}

/** Every row of every table as typeof() and quote() of each column, by table. */
function seen(file: string): Seen {
  const s = new Database(file, { readonly: true });
  const read = (sql: string) => s.prepare(sql).raw(true).all() as [string, string][];
  try {
    return {
      docs: read('SELECT typeof(body), quote(body) FROM docs ORDER BY id'),
      settings: read(
        'SELECT typeof(key) || quote(key), typeof(value) || quote(value) FROM settings ORDER BY key',
      ),
      tokens: read(
        'SELECT typeof(uuid) || quote(uuid), typeof(price) || quote(price) FROM tokens ORDER BY id',
      ),
      prices: read('SELECT typeof(amount), quote(amount) FROM prices ORDER BY id'),
      flags: read('SELECT typeof(active), quote(active) FROM flags ORDER BY id'),
      anything: read('SELECT typeof(v), quote(v) FROM anything ORDER BY id'),
    };
  } finally {
    s.close();
  }
}

function write(app: Database.Database, half: 0 | 1): void {
  const pick = <T>(list: readonly T[]) => list.filter((_, i) => i % 2 === half);
  const tx = app.transaction(() => {
    for (const v of pick(DOCS)) app.prepare('INSERT INTO docs (body) VALUES (?)').run(v);
    for (const [k, v] of pick(SETTINGS)) app.prepare('INSERT INTO settings VALUES (?, ?)').run(k, v);
    for (const [u, p] of pick(TOKENS))
      app.prepare('INSERT INTO tokens (uuid, price) VALUES (?, ?)').run(u, p);
    for (const v of pick(PRICES)) app.prepare('INSERT INTO prices (amount) VALUES (?)').run(v);
    for (const v of pick(FLAGS)) app.prepare('INSERT INTO flags (active) VALUES (?)').run(v);
    for (const v of pick(ANYTHING)) app.prepare('INSERT INTO anything (v) VALUES (?)').run(v);
  });
  tx();
}

it('JSON numbers, the key-value table, UUID/MONEY, DECIMAL, BOOLEAN and STRICT ANY: snapshot, live apply, drift, cutover and back with every storage class', async () => {
  const file = tempSqlite('affinity.db');
  const app = new Database(file);
  app.pragma('journal_mode = WAL');
  app.defaultSafeIntegers(true);
  app.exec(SCHEMA);
  write(app, 0);
  // Literals and json() results, as a migration or the sqlite3 shell writes them.
  app.exec(`INSERT INTO docs (body) VALUES (json('[1, 2.0]')), (json(' 3 ')), (1e300);
            INSERT INTO settings VALUES ('literal real', 100.0), ('literal int', 100), ('json()', json('{"b":2,"a":1}'));`);

  const sync = startSync(file, db.url());
  await sync.snapshotted();
  const equal = async () => (await verify(file, db.url())).equal;
  await until(equal);
  expect(await drifted(file)).toBe(false);

  // Live: the other half through sync's apply, then updates and deletes.
  write(app, 1);
  app.prepare("UPDATE settings SET value = ? WHERE key = 'volume'").run(12.5);
  app.prepare("UPDATE settings SET value = ? WHERE key = 'theme'").run(Buffer.from('dark'));
  app.prepare('UPDATE settings SET key = ? WHERE key = ?').run(43n, 42n);
  app.prepare("DELETE FROM settings WHERE key = 'tiny'").run();
  await until(equal);
  expect(await drifted(file)).toBe(false);

  // What PostgreSQL holds: jsonb numbers in the JSON column, tagged values in the variant.
  const pgValue = async (sql: string) => (await db.query<{ v: string }>(sql)).rows.map((r) => r.v);
  expect(await pgValue('SELECT body::text AS v FROM docs WHERE id <= 4 ORDER BY id')).toEqual([
    '42',
    '{"a": [1, 2.50, "x"]}',
    '0.1',
    '-9223372036854775808',
  ]);
  expect(
    await pgValue(
      `SELECT value::text AS v FROM settings WHERE key IN ('"whole real"', '"big real"', '"icon"', '"numeric text"', '"negative zero"', '"infinite"') ORDER BY key::text`,
    ),
  ).toEqual([
    '100000000000000000.0',
    '{"$blob": "0001feff"}',
    '{"$real": "Infinity"}',
    '{"$real": "-0"}',
    '"42"',
    '2.0',
  ]);
  expect((await pgValue("SELECT uuid || ' ' || price AS v FROM tokens")).sort()).toEqual(
    [
      '0b1c8d1e-6f0a-4a52-9d55-1a2b3c4d5e6f 12.5',
      '6f1e2d3c-0000-4000-8000-00000000abcd 12',
      '12 0.1',
      '12 $5',
    ].sort(),
  );
  const types = await db.query<{ table_name: string; column_name: string; data_type: string }>(
    "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
  );
  expect(
    Object.fromEntries(types.rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type])),
  ).toMatchObject({
    'docs.body': 'jsonb',
    'settings.key': 'jsonb',
    'settings.value': 'jsonb',
    'tokens.uuid': 'text',
    'tokens.price': 'text',
    'prices.amount': 'numeric',
    'flags.active': 'boolean',
    'anything.v': 'jsonb',
  });

  const before = seen(file);
  // The storage classes the application wrote, as SQLite keeps them.
  expect(before.settings).toContainEqual(["text'numeric text'", "text'42'"]);
  expect(before.settings).toContainEqual(["text'whole real'", 'real2.0']);
  expect(before.settings).toContainEqual(["text'icon'", "blobX'0001FEFF'"]);
  expect(before.docs.map(([t]) => t)).toContain('real');
  expect(before.anything).toContainEqual(['blob', "X'09'"]);
  expect((await cutover(file, db.url())).status).toBe('switched');
  // PostgreSQL rewrites every row: reverse replication decodes each value back into SQLite.
  for (const table of ['docs', 'settings', 'tokens', 'prices', 'flags', 'anything']) {
    await db.query(
      `BEGIN; CREATE TEMP TABLE keep AS SELECT * FROM ${table}; DELETE FROM ${table}; INSERT INTO ${table} SELECT * FROM keep; DROP TABLE keep; COMMIT`,
    );
  }
  // And the application, now on PostgreSQL, writes values of its own.
  await db.query(
    `INSERT INTO settings VALUES ('"pg real"', '3.5'), ('"pg int"', '35'), ('"pg blob"', '{"$blob": "cafe"}')`,
  );
  await db.query(`INSERT INTO docs (id, body) VALUES (1000, '123'), (1001, '1e20'), (1002, '{"k": 1}')`);
  await db.query(`UPDATE prices SET amount = 'Infinity' WHERE id = 1`);
  await until(async () => {
    const s = new Database(file, { readonly: true });
    try {
      return (
        s.prepare('SELECT count(*) FROM docs WHERE id >= 1000').pluck().get() === 3 &&
        s.prepare(`SELECT count(*) FROM settings WHERE key = 'pg blob'`).pluck().get() === 1 &&
        s.prepare('SELECT amount FROM prices WHERE id = 1').pluck().get() === Number.POSITIVE_INFINITY
      );
    } finally {
      s.close();
    }
  });
  const check = await verify(file, db.url());
  expect(check.tables.filter((t) => !t.equal)).toEqual([]);
  expect(await drifted(file)).toBe(false);
  // JSON that no SQLite value encodes to (true, null, arrays, objects) comes back as its text:
  // the way forward makes that text a JSON string, so drift reports exactly those rows.
  await db.query(`INSERT INTO settings VALUES ('"pg bool"', 'true'), ('"pg object"', '{"x": 1}')`);
  await until(async () => {
    const s = new Database(file, { readonly: true });
    try {
      return s.prepare(`SELECT count(*) FROM settings WHERE key = 'pg object'`).pluck().get() === 1;
    } finally {
      s.close();
    }
  });
  const reported = await verify(file, db.url());
  expect(reported.tables.flatMap((t) => t.different.map((d) => [d.key, d.sqlite, d.pg]))).toEqual([
    ["key='pg bool'", "'true'", 'true'],
    ["key='pg object'", `'{"x": 1}'`, '{"x": 1}'],
  ]);
  expect(await drifted(file)).toBe(true);
  await sync.stop();

  const after = seen(file);
  // Every storage class came back as it was (JSON objects and arrays in jsonb's spelling).
  const objectsNormalised = (rows: [string, string][]) =>
    rows.map(([t, q]) => [t, t === 'text' && /^'[[{]/.test(q) ? 'json' : q]);
  expect(objectsNormalised(after.docs.slice(0, before.docs.length))).toEqual(objectsNormalised(before.docs));
  expect(after.settings.filter(([k]) => !k.startsWith("text'pg "))).toEqual(before.settings);
  expect(after.tokens).toEqual(before.tokens);
  expect(after.prices.slice(1)).toEqual(before.prices.slice(1));
  expect(after.prices[0]).toEqual(['real', '9.0e+999']);
  expect(after.flags).toEqual(before.flags);
  expect(after.anything).toEqual(before.anything);
  // What PostgreSQL's application wrote arrives as SQLite's affinity stores it.
  expect(after.settings).toEqual(
    expect.arrayContaining([
      ["text'pg real'", 'real3.5'],
      ["text'pg int'", 'integer35'],
      ["text'pg bool'", "text'true'"],
      ["text'pg object'", `text'{"x": 1}'`],
      ["text'pg blob'", "blobX'CAFE'"],
    ]),
  );
  expect(after.docs.slice(-3)).toEqual([
    ['integer', '123'],
    ['real', '1.0e+20'],
    ['text', `'{"k": 1}'`],
  ]);
  await dropIdleSlots(db.query);
  app.close();
}, 180_000);

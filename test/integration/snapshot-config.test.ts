import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { snapshot, verify } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();

function collectorFile(): string {
  const file = tempSqlite();
  const s = new Database(file);
  s.exec(`
    CREATE TABLE flights (
      id INTEGER PRIMARY KEY,
      callsign VARCHAR(20) NOT NULL CHECK (length(callsign) > 0),
      position TEXT,
      seen INTEGER,
      route TEXT,
      last_updated DATETIME DEFAULT CURRENT_TIMESTAMP,
      speed INTEGER CONSTRAINT speed_positive CHECK (speed >= 0)
    );
    CREATE INDEX flights_upper_callsign ON flights (upper(callsign));
    CREATE TABLE scratch (id INTEGER PRIMARY KEY, junk BLOB);
    PRAGMA ignore_check_constraints = ON; -- a row that breaks a CHECK, as old files can hold
    INSERT INTO flights (id, callsign, position, seen, route, speed) VALUES
      (1, 'DLH500', '{"latitude": 16.4, "longitude": -29.1}', 1721764029, 'SOBRA2L', 480),
      (2, 'QFA1', '{"latitude": -33.9, "longitude": 151.2}', 1721764030, NULL, -1);
    INSERT INTO scratch VALUES (1, X'00');
  `);
  s.close();
  return file;
}

describe('config file overrides', () => {
  it('casts, renames, skips and reads epoch numbers as timestamps, exactly', async () => {
    const file = collectorFile();
    const config = tempSqlite('lb.json');
    writeFileSync(
      config,
      JSON.stringify({
        tables: {
          flights: {
            rename: 'flight',
            columns: {
              position: { cast: 'jsonb', rename: 'pos' },
              seen: { cast: 'timestamptz', timeInput: 'unixepoch' },
              route: { skip: true },
            },
          },
          scratch: { skip: true },
        },
      }),
    );
    const result = await snapshot(file, db.url(), { config, timestamptz: true });
    expect(result.tables.map((t) => t.table)).toEqual(['flights']);
    expect((await verify(file, db.url(), { config, timestamptz: true })).equal).toBe(true);

    const columns = await db.query<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'flight' ORDER BY ordinal_position",
    );
    expect(columns.rows).toEqual([
      { column_name: 'id', data_type: 'bigint' },
      { column_name: 'callsign', data_type: 'text' },
      { column_name: 'pos', data_type: 'jsonb' },
      { column_name: 'seen', data_type: 'timestamp with time zone' },
      { column_name: 'last_updated', data_type: 'timestamp with time zone' },
      { column_name: 'speed', data_type: 'bigint' },
    ]);
    const row = await db.query<{ pos: string; seen: string }>(
      'SELECT pos::text, seen::text FROM flight WHERE id = 1',
    );
    expect(row.rows[0]).toEqual({
      pos: '{"latitude": 16.4, "longitude": -29.1}',
      seen: '2024-07-23 19:47:09+00',
    });
    const scratch = await db.query("SELECT to_regclass('public.scratch') AS t");
    expect(scratch.rows[0]?.t).toBeNull();
  });

  it('carries CHECKs (NOT VALID when rows break them), expression indexes and UTC defaults', async () => {
    const checks = await db.query<{ conname: string; convalidated: boolean }>(
      "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'public.flight'::regclass AND contype = 'c' ORDER BY conname",
    );
    expect(checks.rows).toContainEqual({ conname: 'speed_positive', convalidated: false }); // row 2 has speed -1
    expect(checks.rows.filter((c) => c.convalidated)).toHaveLength(1); // length(callsign) > 0 holds
    const index = await db.query<{ def: string }>(
      "SELECT indexdef AS def FROM pg_indexes WHERE indexname = 'flights_upper_callsign'",
    );
    expect(index.rows[0]?.def).toMatch(/upper\(callsign\)/);
    const inserted = await db.query<{ recent: boolean }>(
      "INSERT INTO flight (callsign) VALUES ('NEW1') RETURNING last_updated > now() - interval '1 minute' AS recent",
    );
    expect(inserted.rows[0]?.recent).toBe(true);
  });

  it('names an unknown table or column of the config file before creating anything', async () => {
    const file = collectorFile();
    const config = tempSqlite('bad.json');
    writeFileSync(
      config,
      JSON.stringify({ tables: { flight: {}, flights: { columns: { postion: { skip: true } } } } }),
    );
    const error = await snapshot(file, db.url(), { config, replace: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_CONFIG' });
    expect(String((error as Error).message)).toMatch(/flight/);
    expect(String((error as Error).message)).toMatch(/postion/);
  });
});

describe('text collation', () => {
  const words = ['b', 'B', 'a', 'A', 'é', 'e', 'Z', 'aa', '_x', '10', '9'];

  function wordsFile(): string {
    const file = tempSqlite();
    const s = new Database(file);
    s.exec('CREATE TABLE words (id INTEGER PRIMARY KEY, w TEXT NOT NULL UNIQUE)');
    const put = s.prepare('INSERT INTO words (w) VALUES (?)');
    for (const w of words) put.run(w);
    s.close();
    return file;
  }

  async function pgOrder(schema: string): Promise<{ order: string[]; collation: string }> {
    const order = await db.query<{ w: string }>(`SELECT w FROM "${schema}".words ORDER BY w`);
    const collation = await db.query<{ c: string }>(
      `SELECT c.collname AS c FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
        WHERE a.attrelid = '"${schema}".words'::regclass AND a.attname = 'w'`,
    );
    return { order: order.rows.map((r) => r.w), collation: collation.rows[0]!.c };
  }

  it('compares text bytewise by default, as SQLite BINARY does; textCollation picks another', async () => {
    const file = wordsFile();
    const s = new Database(file, { readonly: true });
    const sqliteOrder = s.prepare('SELECT w FROM words ORDER BY w').pluck().all() as string[];
    s.close();

    await snapshot(file, db.url(), { schema: 'bytewise', sourceId: 'bytewise' });
    expect(await pgOrder('bytewise')).toEqual({ order: sqliteOrder, collation: 'C' });

    const config = tempSqlite('icu.json');
    writeFileSync(config, JSON.stringify({ textCollation: 'und-x-icu' }));
    await snapshot(file, db.url(), { schema: 'linguistic', config, sourceId: 'linguistic' });
    const icu = await pgOrder('linguistic');
    expect(icu.collation).toBe('und-x-icu');
    expect(icu.order).not.toEqual(sqliteOrder); // 'a' before 'B' in a linguistic order
    expect(icu.order.indexOf('a')).toBeLessThan(icu.order.indexOf('B'));
    expect(
      (await verify(file, db.url(), { schema: 'linguistic', config, sourceId: 'linguistic' })).equal,
    ).toBe(true);
  });
});

describe('the command line', () => {
  async function cli(...args: string[]) {
    let out = '';
    let err = '';
    process.env.LITEBRIDGE_LOG_LEVEL = 'silent';
    const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  }

  it('plan prints every decision with its census and the DDL, and touches nothing', async () => {
    const file = collectorFile();
    const { code, out } = await cli('plan', '--sqlite', file);
    expect(code).toBe(0);
    expect(out).toMatch(/flights → public\.flights/);
    expect(out).toMatch(/seen\s+INTEGER\s+→ bigint/);
    expect(out).toMatch(/callsign\s+VARCHAR\(20\)\s+→ text {2}COLLATE "C" NOT NULL/);
    expect(out).toMatch(/CREATE TABLE "public"\."flights"/);
    const json = JSON.parse((await cli('plan', '--sqlite', file, '--json')).out);
    expect(json.schema.tables.map((t: { name: string }) => t.name)).toEqual(['flights', 'scratch']);
  });

  it('--help explains every command, and an unknown option is an error', async () => {
    for (const command of ['plan', 'snapshot', 'verify', 'demo']) {
      const { code, out } = await cli(command, '--help');
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`Usage: litebridge ${command}`));
    }
    const top = await cli('--help');
    expect(top.out).toMatch(/Exit status: 0 success, 1 the sides differ \(verify\), 2 error/);
    const bad = await cli('snapshot', '--nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown option '--nope'/);
  });
});

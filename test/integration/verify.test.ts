import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { snapshot, verify } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();
let file: string;

beforeAll(async () => {
  file = tempSqlite();
  const s = new Database(file);
  s.exec(`CREATE TABLE samples (id INTEGER PRIMARY KEY, f REAL, at DATETIME, b BLOB, t TEXT, doc JSON);
    INSERT INTO samples VALUES (1, 0.1, '2025-07-23 10:00:00.000001', X'0001', '', '{"a": 1, "b": [1, 2]}');
    INSERT INTO samples VALUES (2, 1e300, '2025-07-23 10:00:00', X'FF', 'x', '{"b": 2, "a": 1}');
    INSERT INTO samples VALUES (3, -2.5, NULL, NULL, NULL, NULL);`);
  s.close();
  await snapshot(file, db.url());
});

/** Runs the CLI in-process and returns its exit code and output. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  process.env.LITEBRIDGE_LOG_LEVEL = 'silent';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('verify', () => {
  it('finds the copy equal and exits 0', async () => {
    const { code, out } = await cli('verify', '--sqlite', file, '--pg', db.url());
    expect(code).toBe(0);
    expect(out).toMatch(/equal/);
  });

  it('sees a float changed by one ulp, a microsecond, a bytea byte and NULL for an empty string', async () => {
    await db.query("UPDATE samples SET f = '0.10000000000000002' WHERE id = 1");
    await db.query("UPDATE samples SET at = at + interval '1 microsecond', t = NULL WHERE id = 1");
    await db.query("UPDATE samples SET b = '\\xfe' WHERE id = 2");
    const result = await verify(file, db.url());
    expect(result.equal).toBe(false);
    const diffs = result.tables[0]!.different.map((d) => `${d.key}:${d.column}`);
    expect(diffs.sort()).toEqual(['id=1:at', 'id=1:f', 'id=1:t', 'id=2:b']);
    expect(result.tables[0]!.differentCount).toBe(2);
  });

  it('reports missing and extra rows and exits 1; --json carries the same', async () => {
    await db.query('DELETE FROM samples WHERE id = 3');
    await db.query('INSERT INTO samples (id, f) VALUES (42, 1)');
    const { code, out } = await cli('verify', '--sqlite', file, '--pg', db.url(), '--json');
    expect(code).toBe(1);
    const json = JSON.parse(out);
    expect(json.equal).toBe(false);
    expect(json.tables[0].missing).toEqual(['id=3']);
    expect(json.tables[0].extra).toEqual(['id=42']);
  });

  it('compares jsonb by meaning: reordered keys are not a difference', async () => {
    const doc = await db.query<{ doc: string }>('SELECT doc::text AS doc FROM samples WHERE id = 2');
    expect(doc.rows[0]!.doc).toBe('{"a": 1, "b": 2}');
    const result = await verify(file, db.url());
    expect(result.tables[0]!.different.some((d) => d.column === 'doc')).toBe(false);
  });

  it('exits 2 with a hint when a flag is missing', async () => {
    delete process.env.SQLITE_PATH;
    const { code, err } = await cli('verify', '--pg', db.url());
    expect(code).toBe(2);
    expect(err).toMatch(/BAD_ARGS: no SQLite file given/);
    expect(err).toMatch(/hint: pass --sqlite/);
  });
});

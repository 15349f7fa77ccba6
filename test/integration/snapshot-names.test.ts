import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { snapshot, verify } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();

/** A SQLite file with every naming and keying oddity the snapshot must carry over. */
function oddFile(): string {
  const path = tempSqlite();
  const s = new Database(path);
  s.pragma('journal_mode = WAL');
  s.pragma('foreign_keys = OFF'); // like the collector: declared, never enforced
  s.exec(`
    CREATE TABLE "select" ("from" INTEGER PRIMARY KEY, "where" TEXT, "Mixed Case" REAL);
    CREATE TABLE """; drop table x; --" (id INTEGER PRIMARY KEY, "col with ""quotes"" and spaces" TEXT);
    CREATE TABLE "Mixed Case Table" ("Id" INTEGER PRIMARY KEY AUTOINCREMENT, "Name" TEXT NOT NULL DEFAULT 'none');
    CREATE TABLE pairs (a TEXT NOT NULL, b INTEGER NOT NULL, v BLOB, PRIMARY KEY (a, b)) WITHOUT ROWID;
    CREATE TABLE log_lines (at DATETIME, line TEXT);
    CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id), state TEXT);
    CREATE INDEX child_active ON child (parent_id) WHERE state = 'active';
    CREATE UNIQUE INDEX pairs_v ON pairs (v);
    CREATE VIEW parent_names AS SELECT name FROM parent;
  `);
  const put = (sql: string, ...rows: unknown[][]) => {
    const stmt = s.prepare(sql);
    for (const row of rows) stmt.run(...row);
  };
  put('INSERT INTO "select" VALUES (?, ?, ?)', [1, 'a', 0.1], [2, null, 5e-324], [3, 'tab\there', 1e300]);
  put('INSERT INTO """; drop table x; --" VALUES (?, ?)', [1, 'x'], [2, "it's"]);
  put('INSERT INTO "Mixed Case Table" ("Name") VALUES (?)', ['one'], ['two']);
  s.exec('DELETE FROM "Mixed Case Table" WHERE "Name" = \'two\''); // AUTOINCREMENT high-water stays at 2
  put(
    'INSERT INTO pairs VALUES (?, ?, ?)',
    ['x', 1, Buffer.from([0, 1, 2])],
    ['x', 2, null],
    ['y', 1, Buffer.from('\\N')],
  );
  put(
    'INSERT INTO log_lines VALUES (?, ?)',
    ['2025-07-23 19:47:09.319724', 'one'],
    ['2025-07-23T21:00:00+02:00', 'two'],
    [null, 'two'],
  );
  put('INSERT INTO parent VALUES (?, ?)', [1, 'p1']);
  put('INSERT INTO child VALUES (?, ?, ?)', [1, 1, 'active'], [2, 99, 'active'], [3, null, 'gone']);
  s.close();
  return path;
}

describe('snapshot of awkward names and keys', () => {
  it('copies reserved words, quotes, mixed case, WITHOUT ROWID and rowid-only tables exactly', async () => {
    const file = oddFile();
    const result = await snapshot(file, db.url());
    expect(result.rejected).toBe(0);
    expect((await verify(file, db.url())).equal).toBe(true);

    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      ['"; drop table x; --', 'Mixed Case Table', 'child', 'log_lines', 'pairs', 'parent', 'select'].sort(),
    );
    const odd = await db.query(
      'SELECT "col with ""quotes"" and spaces" AS c FROM """; drop table x; --" ORDER BY id',
    );
    expect(odd.rows.map((r) => r.c)).toEqual(['x', "it's"]);
    const tiny = await db.query<{ t: string }>(
      'SELECT "Mixed Case"::text AS t FROM "select" WHERE "from" = 2',
    );
    expect(tiny.rows[0]!.t).toBe('5e-324');
  });

  it('keys a table without primary key by its rowid and normalises offsets to UTC', async () => {
    const rows = await db.query<{ _litebridge_rowid: string; at: string | null }>(
      'SELECT _litebridge_rowid::text, at::text FROM log_lines ORDER BY 1',
    );
    expect(rows.rows).toEqual([
      { _litebridge_rowid: '1', at: '2025-07-23 19:47:09.319724' },
      { _litebridge_rowid: '2', at: '2025-07-23 19:00:00' },
      { _litebridge_rowid: '3', at: null },
    ]);
  });

  it('keeps partial indexes, reports dangling foreign keys and moves AUTOINCREMENT past its high-water mark', async () => {
    const partial = await db.query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE indexname = 'child_active'",
    );
    expect(partial.rows[0]!.indexdef).toMatch(/WHERE \(state = 'active'::text\)/);
    const file = oddFile();
    const result = await snapshot(file, db.url(), { replace: true });
    expect(result.dangling).toHaveLength(1);
    expect(result.dangling[0]).toMatchObject({ table: 'child', rows: 1, references: 'parent' });
    const next = await db.query<{ Id: string }>(
      'INSERT INTO "Mixed Case Table" ("Name") VALUES (\'three\') RETURNING "Id"::text AS "Id"',
    );
    expect(next.rows[0]!.Id).toBe('3');
  });
});

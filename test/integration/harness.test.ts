import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { adminQuery, useTestDatabase } from '../support/pg.js';
import { copyFixture, tempSqlite } from '../support/sqlite.js';

describe('test PostgreSQL', () => {
  const db = useTestDatabase();
  const other = useTestDatabase();

  it('runs with wal_level=logical', async () => {
    const { rows } = await db.query<{ wal_level: string }>('SHOW wal_level');
    expect(rows[0]?.wal_level).toBe('logical');
  });

  it('gives each user its own fresh database', async () => {
    expect(db.name()).not.toBe(other.name());
    const { rows } = await db.query<{ current_database: string }>('SELECT current_database()');
    expect(rows[0]?.current_database).toBe(db.name());
    const tables = await db.query(`SELECT 1 FROM pg_tables WHERE schemaname = 'public'`);
    expect(tables.rowCount).toBe(0);
    await db.query('CREATE TABLE only_here (x int)');
    const elsewhere = await other.query(`SELECT to_regclass('public.only_here') AS t`);
    expect(elsewhere.rows[0]?.t).toBeNull();
  });

  it('connects through url() like the application does', async () => {
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: db.url() });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    await client.end();
    expect(rows[0]?.db).toBe(db.name());
  });

  afterAll(async () => {
    // The databases are dropped after this hook (hooks run in reverse): check they exist now.
    const { rows } = await adminQuery('SELECT count(*)::int AS n FROM pg_database WHERE datname = ANY($1)', [
      [db.name(), other.name()],
    ]);
    expect(rows[0]?.n).toBe(2);
  });
});

describe('test SQLite files', () => {
  it('gives a writable file in a fresh folder', () => {
    const path = tempSqlite();
    expect(existsSync(path)).toBe(false);
    const sqlite = new Database(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec('CREATE TABLE t (x INTEGER PRIMARY KEY, y TEXT)');
    sqlite.prepare('INSERT INTO t (y) VALUES (?)').run('hello');
    expect(sqlite.prepare('SELECT y FROM t').pluck().get()).toBe('hello');
    sqlite.close();
    expect(existsSync(path)).toBe(true);
  });

  it('gives each call its own folder', () => {
    expect(dirname(tempSqlite())).not.toBe(dirname(tempSqlite()));
  });

  it('copies the real collector database so it can be written', () => {
    const path = copyFixture();
    const sqlite = new Database(path);
    expect(sqlite.prepare('SELECT count(*) FROM flights').pluck().get()).toBe(3550);
    sqlite.prepare('DELETE FROM flights WHERE id = (SELECT min(id) FROM flights)').run();
    expect(sqlite.prepare('SELECT count(*) FROM flights').pluck().get()).toBe(3549);
    sqlite.close();
  });
});

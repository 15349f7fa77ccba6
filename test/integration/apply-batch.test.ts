import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { ChangeBatch, RowChange } from '../../src/model/change.js';
import type { TargetTable } from '../../src/model/target-schema.js';
import { type ApplyOptions, type ApplyResult, applyBatch } from '../../src/pg/apply.js';
import { readCheckpoint, readSyncProgress } from '../../src/pg/checkpoint.js';
import { createPool, type PgPool } from '../../src/pg/pool.js';
import { introspect } from '../../src/schema/introspect.js';
import { translate } from '../../src/schema/translate.js';
import { snapshot } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();
const SOURCE = 'app';
let pool: PgPool;
let tables: Map<string, TargetTable>;

beforeAll(async () => {
  const file = tempSqlite('app.db');
  const s = new Database(file);
  s.exec(`
    CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT);
    CREATE TABLE pairs (a INT, b TEXT, v REAL, PRIMARY KEY (a, b));
    CREATE TABLE log (msg TEXT);
    CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id), note TEXT);
    CREATE TABLE events (id INTEGER PRIMARY KEY, at DATETIME NOT NULL, what TEXT);
    INSERT INTO users VALUES (1, 'one@x', 'One'), (2, 'two@x', 'Two');
    INSERT INTO pairs VALUES (1, 'a', 1.5);
    INSERT INTO log (rowid, msg) VALUES (1, 'first');
    INSERT INTO parent VALUES (1, 'p1');
    INSERT INTO events VALUES (1, '2025-07-23 10:00:00', 'e1'), (2, '2025-07-24 10:00:00', 'e2');
  `);
  s.close();
  const config = tempSqlite('litebridge.json');
  writeFileSync(config, JSON.stringify({ partitions: { events: { column: 'at', interval: 'day' } } }));
  const flags = { config, sourceId: SOURCE };
  await snapshot(file, db.url(), flags);
  const opened = new Database(file, { readonly: true });
  opened.defaultSafeIntegers(true);
  const target = translate(introspect(opened), loadConfig({ sqlite: file, pg: db.url(), ...flags }, {}));
  opened.close();
  tables = new Map(target.tables.map((t) => [t.source, t]));
  // No capture was installed before this snapshot: start the checkpoint at 0.
  await db.query('UPDATE litebridge.sources SET checkpoint_seq = 0 WHERE source_id = $1', [SOURCE]);
  pool = createPool(db.url(), { max: 2 });
});

afterAll(async () => {
  await pool?.end();
});

/** A batch continuing the current checkpoint, one event per change. */
async function nextBatch(changes: readonly RowChange[], after?: bigint): Promise<ChangeBatch> {
  const from = after ?? (await readCheckpoint(pool, SOURCE))!;
  return {
    after: from,
    upTo: from + BigInt(Math.max(changes.length, 1)),
    events: changes.length,
    changes,
    firstAt: 1_753_000_000_000,
    lastAt: 1_753_000_001_000,
    atHead: true,
  };
}

async function apply(changes: readonly RowChange[], options?: ApplyOptions): Promise<ApplyResult> {
  const client = await pool.connect();
  try {
    return await applyBatch(client, await nextBatch(changes), tables, { sourceId: SOURCE }, options);
  } finally {
    client.release();
  }
}

async function rows(sql: string): Promise<unknown[][]> {
  return (await pool.query({ text: sql, rowMode: 'array' })).rows;
}

const user = (id: bigint, email: string | null, name: string | null): RowChange => ({
  table: 'users',
  key: [id],
  row: [id, email, name],
});
const gone = (table: string, ...key: RowChange['key']): RowChange => ({ table, key, row: null });

describe('applyBatch', () => {
  it('inserts a new row, updates it, deletes it, and moves the checkpoint each time', async () => {
    const before = (await readCheckpoint(pool, SOURCE))!;
    expect(await apply([user(10n, 'ten@x', 'Ten')])).toMatchObject({ upserted: 1, deleted: 0 });
    expect(await rows('SELECT id::int, email, name FROM users WHERE id = 10')).toEqual([
      [10, 'ten@x', 'Ten'],
    ]);
    await apply([user(10n, 'ten@y', 'Ten again')]);
    expect(await rows('SELECT email, name FROM users WHERE id = 10')).toEqual([['ten@y', 'Ten again']]);
    expect(await apply([gone('users', 10n)])).toMatchObject({ upserted: 0, deleted: 1 });
    expect(await rows('SELECT * FROM users WHERE id = 10')).toEqual([]);
    expect(await readCheckpoint(pool, SOURCE)).toBe(before + 3n);
    const progress = await readSyncProgress(pool, SOURCE);
    expect(progress?.lastEventAt?.getTime()).toBe(1_753_000_001_000);
    expect(progress?.appliedAt).not.toBeNull();
  });

  it('applies a key change within a batch (delete old key, insert new key)', async () => {
    await apply([user(20n, 'twenty@x', 'T')]);
    await apply([gone('users', 20n), user(21n, 'twenty@x', 'T')]);
    expect(await rows('SELECT id::int FROM users WHERE id IN (20, 21)')).toEqual([[21]]);
  });

  it('applies a key touched several times once, with its last state', async () => {
    const result = await apply([user(30n, 'a@30', 'a'), gone('users', 30n), user(30n, 'c@30', 'c')]);
    expect(result).toMatchObject({ upserted: 1, deleted: 0 });
    expect(await rows('SELECT email FROM users WHERE id = 30')).toEqual([['c@30']]);
  });

  it('applies composite keys', async () => {
    const pair = (a: bigint, b: string, v: number | null): RowChange => ({
      table: 'pairs',
      key: [a, b],
      row: [a, b, v],
    });
    await apply([pair(1n, 'b', 2.25), pair(1n, 'a', -0.5)]);
    expect(await rows('SELECT a::int, b, v FROM pairs ORDER BY a, b')).toEqual([
      [1, 'a', -0.5],
      [1, 'b', 2.25],
    ]);
    await apply([gone('pairs', 1n, 'a')]);
    expect(await rows('SELECT b FROM pairs')).toEqual([['b']]);
  });

  it('applies tables keyed by rowid', async () => {
    await apply([
      { table: 'log', key: [7n], row: [7n, 'seventh'] },
      { table: 'log', key: [1n], row: [1n, 'first, edited'] },
    ]);
    expect(await rows('SELECT _litebridge_rowid::int, msg FROM log ORDER BY 1')).toEqual([
      [1, 'first, edited'],
      [7, 'seventh'],
    ]);
    await apply([gone('log', 7n)]);
    expect(await rows('SELECT count(*)::int FROM log')).toEqual([[1]]);
  });

  it('removes the PostgreSQL row an incoming row collides with on a secondary UNIQUE index (REPLACE)', async () => {
    // SQLite: INSERT OR REPLACE INTO users VALUES (40, 'two@x', …) silently deleted user 2.
    const result = await apply([user(40n, 'two@x', 'Replacer')]);
    expect(result.collisionsRemoved).toBe(1);
    expect(await rows("SELECT id::int FROM users WHERE email = 'two@x'")).toEqual([[40]]);
    expect(await rows('SELECT * FROM users WHERE id = 2')).toEqual([]);
  });

  it('swaps unique values between two rows in one batch', async () => {
    await apply([user(50n, 'p@x', 'P'), user(51n, 'q@x', 'Q')]);
    await apply([user(50n, 'q@x', 'P'), user(51n, 'p@x', 'Q')]);
    expect(await rows('SELECT id::int, email FROM users WHERE id IN (50, 51) ORDER BY 1')).toEqual([
      [50, 'q@x'],
      [51, 'p@x'],
    ]);
  });

  it('moves a row between partitions when its partition column changes', async () => {
    const where = 'SELECT tableoid::regclass::text, at::text, what FROM events WHERE id = 1';
    const [before] = await rows(where);
    await apply([{ table: 'events', key: [1n], row: [1n, '2025-07-24 11:00:00', 'moved'] }]);
    const [after] = await rows(where);
    expect(after?.slice(1)).toEqual(['2025-07-24 11:00:00', 'moved']);
    expect(after?.[0]).not.toBe(before?.[0]);
    expect(await rows('SELECT count(*)::int FROM events')).toEqual([[2]]);
    await apply([gone('events', 2n)]);
    expect(await rows('SELECT id::int FROM events')).toEqual([[1]]);
  });

  it('accepts a child before its parent (foreign keys checked at commit)', async () => {
    await apply([
      { table: 'child', key: [1n], row: [1n, 60n, 'early'] },
      { table: 'parent', key: [60n], row: [60n, 'late parent'] },
    ]);
    expect(await rows('SELECT c.note, p.name FROM child c JOIN parent p ON p.id = c.parent_id')).toEqual([
      ['early', 'late parent'],
    ]);
  });

  it('applies 20,000 rows in one batch (one parameter per column)', async () => {
    const changes: RowChange[] = [];
    for (let i = 0; i < 20_000; i++) {
      const id = 100_000n + BigInt(i);
      changes.push(user(id, `bulk${i}@x`, `name ${i}`));
    }
    expect((await apply(changes)).upserted).toBe(20_000);
    expect(await rows('SELECT count(*)::int FROM users WHERE id >= 100000')).toEqual([[20_000]]);
  });
});

describe('applyBatch failures', () => {
  it('stops on a NUL in text naming table, key, column and value, with nothing applied', async () => {
    const before = await readCheckpoint(pool, SOURCE);
    const error = await apply([
      user(70n, 'seventy@x', 'fine'),
      { table: 'pairs', key: [9n, 'z'], row: [9n, 'z\0', 1] },
    ]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATA', details: { table: 'pairs', column: 'b' } });
    expect(String((error as Error).message)).toMatch(/table "pairs", key a=9, b='z', column "b"/);
    expect(String((error as Error).message)).toMatch(/NUL/);
    expect(await rows('SELECT * FROM users WHERE id = 70')).toEqual([]);
    expect(await readCheckpoint(pool, SOURCE)).toBe(before);
    expect((await readSyncProgress(pool, SOURCE))?.lastError).toMatch(/NUL/);
  });

  it('rolls the whole batch back when PostgreSQL refuses it at commit (a child without parent)', async () => {
    const before = await readCheckpoint(pool, SOURCE);
    const error = await apply([
      user(71n, 'seventy-one@x', 'first table'),
      { table: 'child', key: [2n], row: [2n, 999n, 'orphan'] },
    ]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TARGET', retriable: false, details: { sqlstate: '23503' } });
    expect(await rows('SELECT * FROM users WHERE id = 71')).toEqual([]);
    expect(await rows('SELECT * FROM child WHERE id = 2')).toEqual([]);
    expect(await readCheckpoint(pool, SOURCE)).toBe(before);
  });

  it('quarantines a bad row: kept in litebridge.rejects, deleted from PostgreSQL, checkpoint moved', async () => {
    await apply([user(80n, 'eighty@x', 'good')]);
    const before = (await readCheckpoint(pool, SOURCE))!;
    const result = await apply([user(80n, 'eighty@x', 'bad\0'), user(81n, 'e81@x', 'fine')], {
      onBadRow: 'quarantine',
    });
    expect(result).toMatchObject({ rejected: 1, deleted: 1, upserted: 1 });
    expect(await rows('SELECT id::int FROM users WHERE id IN (80, 81)')).toEqual([[81]]);
    expect(
      await rows(
        "SELECT table_name, column_name, row_key FROM litebridge.rejects WHERE table_name = 'users'",
      ),
    ).toEqual([['users', 'name', { id: { integer: '80' } }]]);
    expect(await readCheckpoint(pool, SOURCE)).toBe(before + 2n);
  });

  it('refuses a batch whose start is not the checkpoint (two syncs on one source)', async () => {
    const current = (await readCheckpoint(pool, SOURCE))!;
    const client = await pool.connect();
    try {
      const stale = await nextBatch([user(90n, 'ninety@x', 'n')], current - 1n);
      const error = await applyBatch(client, stale, tables, { sourceId: SOURCE }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BAD_STATE', details: { found: current.toString() } });
    } finally {
      client.release();
    }
    expect(await rows('SELECT * FROM users WHERE id = 90')).toEqual([]);
    expect(await readCheckpoint(pool, SOURCE)).toBe(current);
    expect((await readSyncProgress(pool, SOURCE))?.lastError).toMatch(/another process/);
    // The next good batch clears the error.
    await apply([]);
    expect((await readSyncProgress(pool, SOURCE))?.lastError).toBeNull();
  });
});

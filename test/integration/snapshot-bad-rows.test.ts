import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { snapshot, verify } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();

function fileWith(setup: string): string {
  const path = tempSqlite();
  const s = new Database(path);
  s.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, label TEXT, speed INTEGER, seen DATETIME)');
  s.exec("INSERT INTO readings VALUES (1, 'ok', 10, '2025-07-23 10:00:00')");
  s.exec(setup);
  s.close();
  return path;
}

describe('values PostgreSQL cannot hold', () => {
  it('stops on a NUL in text, naming table, key, column and value', async () => {
    const file = fileWith("INSERT INTO readings VALUES (2, 'a' || char(0) || 'b', 1, NULL)");
    const error = await snapshot(file, db.url(), { replace: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATA' });
    expect(String((error as Error).message)).toMatch(/table "readings", key id=2, column "label"/);
    expect(String((error as Error).message)).toMatch(/NUL/);
  });

  it('reports the same error from a copy worker thread', async () => {
    const file = fileWith("INSERT INTO readings VALUES (8, 'x', 'slow', NULL)");
    const error = await snapshot(file, db.url(), { replace: true, workers: 2 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATA' });
    expect(String((error as Error).message)).toMatch(/table "readings", key id=8, column "speed".*'slow'/s);
  });

  it('stops on text in an integer column and on an impossible date', async () => {
    const text = fileWith("INSERT INTO readings VALUES (3, 'x', 'fast', NULL)");
    await expect(snapshot(text, db.url(), { replace: true })).rejects.toThrow(
      /key id=3, column "speed".*'fast'/s,
    );
    const date = fileWith("INSERT INTO readings VALUES (4, 'x', 1, '2023-02-29 10:00:00')");
    await expect(snapshot(date, db.url(), { replace: true })).rejects.toThrow(/key id=4, column "seen"/);
  });

  it('stops on invalid UTF-8 instead of writing replacement characters', async () => {
    const file = fileWith("INSERT INTO readings VALUES (5, CAST(X'61FF62' AS TEXT), 1, NULL)");
    await expect(snapshot(file, db.url(), { replace: true })).rejects.toThrow(
      /key id=5, column "label".*UTF-8/s,
    );
  });

  it('with quarantine, keeps the raw row in litebridge.rejects and verify counts it as a difference', async () => {
    const file = fileWith(
      "INSERT INTO readings VALUES (6, 'a' || char(0), 1, NULL); INSERT INTO readings VALUES (7, 'fine', 2, NULL)",
    );
    const result = await snapshot(file, db.url(), { replace: true, onBadRow: 'quarantine' });
    expect(result.rejected).toBe(1);
    expect(result.rows).toBe(2);
    const rejects = await db.query(
      'SELECT table_name, row_key, column_name, raw_row FROM litebridge.rejects',
    );
    expect(rejects.rows).toEqual([
      {
        table_name: 'readings',
        row_key: { id: { integer: '6' } },
        column_name: 'label',
        raw_row: {
          id: { integer: '6' },
          label: { blob: '6100' },
          speed: { integer: '1' },
          seen: null,
        },
      },
    ]);
    const check = await verify(file, db.url());
    expect(check.equal).toBe(false);
    expect(check.tables[0]).toMatchObject({ table: 'readings', missingCount: 1, quarantined: 1 });
  });
});

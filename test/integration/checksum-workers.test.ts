import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { ReplicatedTable } from '../../src/schema/replicated.js';
import { openSqlite, type SqliteDatabase } from '../../src/sqlite/open.js';
import { ReadSnapshot } from '../../src/sqlite/snapshot-read.js';
import { SqliteTableChecksum } from '../../src/verify/checksum-sqlite.js';
import { ChecksumWorkers } from '../../src/verify/checksum-workers.js';
import { planChunks } from '../../src/verify/chunks.js';
import { replicatedTables } from '../../src/verify/drift-report.js';
import { tempSqlite } from '../support/sqlite.js';

const ROWS = 6_000;
let file: string;
let db: SqliteDatabase;
let tables: Map<string, ReplicatedTable>;
let workers: ChecksumWorkers | null;

beforeAll(() => {
  file = tempSqlite();
  const s = new Database(file);
  s.pragma('journal_mode = WAL');
  s.exec(`CREATE TABLE samples (id INTEGER PRIMARY KEY, f REAL, t TEXT, at DATETIME, doc JSON, b BLOB);
    CREATE TABLE codes (code TEXT PRIMARY KEY, v REAL) WITHOUT ROWID;`);
  const insert = s.prepare('INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?)');
  const code = s.prepare('INSERT INTO codes VALUES (?, ?)');
  s.transaction(() => {
    for (let i = 1; i <= ROWS; i++) {
      insert.run(
        i * 3,
        i / 7,
        `"t" (${i}), \\ é`,
        `2025-07-23 10:00:00.${String(i).padStart(6, '0')}`,
        `{"b": ${i}, "a": 1.0}`,
        Buffer.from([i % 256]),
      );
      code.run(`K-${i}`, i * 1.5);
    }
  })();
  s.close();
  db = openSqlite(file);
  tables = replicatedTables(db, loadConfig({ sqlite: file, pg: 'postgres://unused@localhost/unused' }, {}));
  workers = ChecksumWorkers.start(file, 2);
});

afterAll(async () => {
  await workers?.close();
  db.close();
});

describe('ChecksumWorkers', () => {
  it('starts from the compiled worker script (npm run build)', () => {
    expect(workers).not.toBeNull();
  });

  it.each(['samples', 'codes'])(
    'gives %s the same summaries as one thread, for all chunks and for some',
    async (name) => {
      const table = tables.get(name)!;
      const local = new SqliteTableChecksum(db, table.source, table.target);
      const plan = planChunks(table.target, local.stats(), 500);
      const snapshot = new ReadSnapshot(db);
      snapshot.begin();
      const single = local.summaries(plan);
      snapshot.end();
      const parallel = await workers!.summaries(local, table, plan);
      expect([...parallel].sort((a, b) => a[0] - b[0])).toEqual([...single].sort((a, b) => a[0] - b[0]));
      const some = [1, 2, 3, 7, 8, 11].filter(
        (c) => c < (plan.kind === 'range' ? plan.bounds.length + 1 : plan.buckets),
      );
      const part = await workers!.summaries(local, table, plan, some);
      expect([...part.keys()].sort((a, b) => a - b)).toEqual(some.filter((c) => single.has(c)));
      for (const c of part.keys()) expect(part.get(c)).toEqual(single.get(c));
    },
  );

  it('reports a worker failure as an error naming the table', async () => {
    const table = tables.get('samples')!;
    const local = new SqliteTableChecksum(db, table.source, table.target);
    const plan = planChunks(table.target, local.stats(), 500);
    const gone = { ...table, source: { ...table.source, name: 'no_such_table' } };
    await expect(workers!.summaries(local, gone, plan)).rejects.toThrow(/no_such_table/);
  });

  it('carries a worker error across the thread whole: code, retriable and details', async () => {
    const table = tables.get('samples')!;
    const local = new SqliteTableChecksum(db, table.source, table.target);
    const plan = planChunks(table.target, local.stats(), 500);
    const gone = { ...table, source: { ...table.source, name: 'no_such_table' } };
    await expect(workers!.summaries(local, gone, plan)).rejects.toMatchObject({
      code: 'SOURCE',
      retriable: false,
      details: { sqliteCode: 'SQLITE_ERROR' },
    });
  });
});

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { runSnapshot } from '../../src/pipeline/snapshot.js';
import { verify } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();

/** Three keyings, with gaps in the keys and text keys of mixed case (BINARY order ≠ linguistic). */
function rangedFile(): string {
  const file = tempSqlite();
  const s = new Database(file);
  s.pragma('journal_mode = WAL');
  s.exec(`
    CREATE TABLE ints (id INTEGER PRIMARY KEY, v TEXT);
    CREATE TABLE pairs (a TEXT NOT NULL, b INTEGER NOT NULL, v REAL, PRIMARY KEY (a, b)) WITHOUT ROWID;
    CREATE TABLE bare (line TEXT);
    CREATE TABLE codes (code TEXT NOT NULL, n INTEGER, PRIMARY KEY (code COLLATE NOCASE)) WITHOUT ROWID;
  `);
  const ints = s.prepare('INSERT INTO ints VALUES (?, ?)');
  const pairs = s.prepare('INSERT INTO pairs VALUES (?, ?, ?)');
  const bare = s.prepare('INSERT INTO bare VALUES (?)');
  s.transaction(() => {
    for (let i = 0; i < 5_000; i++) ints.run(i * 7 - 9_000, `v${i}`);
    for (let i = 0; i < 3_000; i++) pairs.run(['a', 'B', 'b', 'Z', 'é'][i % 5]!, i, i / 3);
    for (let i = 0; i < 2_000; i++) bare.run(`line ${i}`);
    // Paged in the key's NOCASE order, which differs from BINARY order ('b1' < 'C2' < 'd3').
    const code = s.prepare('INSERT INTO codes VALUES (?, ?)');
    for (let i = 0; i < 2_000; i++) code.run(`${'bCdE'[i % 4]}${i}`, i);
    s.exec('DELETE FROM bare WHERE rowid % 3 = 0'); // rowid gaps
  })();
  s.close();
  return file;
}

describe.each([{ workers: 0 }, { workers: 2 }])(
  'a snapshot cut into key ranges (copy workers: $workers)',
  ({ workers }) => {
    it('copies every row exactly once, whatever the keying', async () => {
      const file = rangedFile();
      const schema = `ranges_${workers}`;
      const config = loadConfig(
        { sqlite: file, pg: db.url(), schema, sourceId: schema, parallel: '3', workers },
        {},
      );
      // 250 rows per range: up to 12 ranges per table, more than `parallel` streams.
      const result = await runSnapshot(config, silentLogger, { tty: null, rowsPerRange: 250 });
      expect(Object.fromEntries(result.tables.map((t) => [t.table, t.rows]))).toEqual({
        bare: 1_334,
        codes: 2_000,
        ints: 5_000,
        pairs: 3_000,
      });
      const distinct = await db.query<{ n: number; d: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT (a, b))::int AS d FROM "${schema}".pairs`,
      );
      expect(distinct.rows[0]).toEqual({ n: 3_000, d: 3_000 });
      expect((await verify(file, db.url(), { schema, sourceId: schema })).equal).toBe(true);
      // Refused before copying: the copy workers started meanwhile are stopped, nothing is left running.
      await expect(runSnapshot(config, silentLogger, { tty: null })).rejects.toThrow(/already holds rows/);
    });
  },
);

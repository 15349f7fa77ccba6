import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { readStatus } from '../../src/pipeline/status.js';
import { type DriftReport, runDriftReport } from '../../src/verify/drift-report.js';
import { DriftObserver } from '../../src/verify/observer.js';
import { snapshot } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();
let file: string;

/** Rows in `samples`: enough for several range chunks at 1,000 rows per chunk. */
const ROWS = 5_000;

beforeAll(async () => {
  file = tempSqlite();
  const s = new Database(file);
  s.exec(`CREATE TABLE samples (id INTEGER PRIMARY KEY, f REAL, at DATETIME, b BLOB, t TEXT, doc JSON,
      n NUMERIC, ok BOOLEAN);
    CREATE TABLE codes (code TEXT PRIMARY KEY, v REAL, note TEXT) WITHOUT ROWID;
    CREATE TABLE nokey (a TEXT, b INTEGER);`);
  const insert = s.prepare('INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const code = s.prepare('INSERT INTO codes VALUES (?, ?, ?)');
  s.transaction(() => {
    for (let i = 1; i <= ROWS; i++) {
      const second = String(i % 60).padStart(2, '0');
      insert.run(
        i,
        i / 7,
        `2025-07-23 10:00:${second}.${String(i).padStart(6, '0')}`,
        Buffer.from([i % 256, 7]),
        i % 3 === 0 ? '' : `text "${i}", (with) \\ odd, chars`,
        `{"b": ${i}, "a": [1.0, "x"]}`,
        `${i}.50`,
        i % 2,
      );
      code.run(`K-${i}`, i * 1.5, i % 5 === 0 ? null : 'note');
    }
    s.prepare('INSERT INTO nokey VALUES (?, ?)').run('x', 1);
    s.prepare('INSERT INTO nokey VALUES (?, ?)').run('y', 2);
  })();
  s.close();
  await snapshot(file, db.url());
});

function report(flags: { table?: string; repair?: boolean } = {}): Promise<DriftReport> {
  const config = loadConfig({ sqlite: file, pg: db.url() }, {});
  return runDriftReport(config, silentLogger, { chunkRows: 1_000, ...flags });
}

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  process.env.LITEBRIDGE_LOG_LEVEL = 'silent';
  const code = await main(args, { out: (t) => (out += t), err: () => undefined });
  return { code, out };
}

const table = (r: DriftReport, name: string) => r.tables.find((t) => t.table === name)!;

describe('drift-report', () => {
  it('finds no drift in a fresh copy, comparing chunk summaries on both sides', async () => {
    const r = await report();
    expect(r.drift).toBe(false);
    const samples = table(r, 'samples');
    expect(samples.sqliteRows).toBe(ROWS);
    expect(samples.pgRows).toBe(ROWS);
    expect(samples.chunksChecked).toBeGreaterThan(4);
    expect(samples.chunksDiffering).toBe(0);
    expect(table(r, 'codes').chunksDiffering).toBe(0);
    expect(table(r, 'nokey').pgRows).toBe(2);
  });

  it('reports a jsonb copy with reordered keys as equal', async () => {
    await db.query(`UPDATE samples SET doc = '{"a": [1.0, "x"], "b": 10}' WHERE id = 10`);
    const r = await report({ table: 'samples' });
    expect(r.drift).toBe(false);
    expect(r.tables).toHaveLength(1);
  });

  it('names each tampered row and column exactly', async () => {
    await db.query(`UPDATE samples SET f = '1.0000000000000002' WHERE id = 7`); // 7/7 = 1, plus one ulp
    await db.query(`UPDATE samples SET at = at + interval '1 microsecond' WHERE id = 8`);
    await db.query('DELETE FROM samples WHERE id = 9');
    await db.query(`INSERT INTO samples (id, f) VALUES (${ROWS + 100}, 1)`);
    await db.query(`UPDATE samples SET b = '\\x0108' WHERE id = 1`);
    await db.query('UPDATE samples SET t = NULL WHERE id = 3');
    await db.query(`UPDATE codes SET v = 0 WHERE code = 'K-20'`);
    await db.query(`DELETE FROM codes WHERE code = 'K-21'`);
    const r = await report();
    expect(r.drift).toBe(true);
    const s = table(r, 'samples');
    expect(s.missing).toEqual(['id=9']);
    expect(s.extra).toEqual([`id=${ROWS + 100}`]);
    const cells = s.different.flatMap((d) => d.columns.map((c) => `${d.key}:${c.column}`)).sort();
    expect(cells).toEqual(['id=1:b', 'id=3:t', 'id=7:f', 'id=8:at']);
    const empty = s.different.find((d) => d.key === 'id=3')!.columns[0]!;
    expect(empty).toEqual({ column: 't', sqlite: "''", pg: 'NULL' });
    const c = table(r, 'codes');
    expect(c.missing).toEqual(["code='K-21'"]);
    expect(c.different.map((d) => d.key)).toEqual(["code='K-20'"]);
    expect(table(r, 'nokey').drift).toBe(false);
  });

  it('prints the differences and exits 1; --json carries them', async () => {
    const text = await cli('drift-report', '--sqlite', file, '--pg', db.url());
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/samples: missing in PostgreSQL: id=9/);
    expect(text.out).toMatch(
      /samples: id=8: column "at": SQLite '2025-07-23 10:00:08\.000008', PostgreSQL 2025-07-23 10:00:08\.000009/,
    );
    const json = await cli('drift-report', '--sqlite', file, '--pg', db.url(), '--json', '--table', 'codes');
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.out);
    expect(parsed.tables.map((t: { table: string }) => t.table)).toEqual(['codes']);
    expect(parsed.tables[0].missingCount).toBe(1);
  });

  it('--repair rewrites the differing rows from SQLite and the re-check finds none', async () => {
    const r = await report({ repair: true });
    expect(r.repaired).toMatchObject({ upserted: 7, deleted: 1 });
    expect(r.drift).toBe(false);
    const again = await cli('drift-report', '--sqlite', file, '--pg', db.url());
    expect(again.code).toBe(0);
  });

  it('counts quarantined rows as drift and refuses an unknown table', async () => {
    await db.query(
      `INSERT INTO litebridge.rejects (source_id, table_name, row_key, reason, raw_row)
       SELECT source_id, 'nokey', '{}', 'test', '[]' FROM litebridge.sources`,
    );
    const r = await report({ table: 'nokey' });
    expect(table(r, 'nokey').quarantined).toBe(1);
    expect(r.drift).toBe(true);
    await db.query(`DELETE FROM litebridge.rejects WHERE table_name = 'nokey'`);
    const bad = await cli('drift-report', '--sqlite', file, '--pg', db.url(), '--table', 'nope');
    expect(bad.code).toBe(2);
  });
});

describe('a table without a primary key after VACUUM renumbered its rowids', () => {
  it('is caught as drift and repaired from SQLite', async () => {
    const path = tempSqlite('vacuum.db');
    const s = new Database(path);
    s.exec('CREATE TABLE log (line TEXT, level INTEGER)');
    const add = s.prepare('INSERT INTO log VALUES (?, ?)');
    s.transaction(() => {
      for (let i = 0; i < 3_000; i++) add.run(`line ${i}`, i % 4);
    })();
    s.close();
    const flags = { schema: 'vacuumed' };
    await snapshot(path, db.url(), flags);
    const app = new Database(path);
    app.exec('DELETE FROM log WHERE level = 0; VACUUM');
    app.close();
    const config = loadConfig({ sqlite: path, pg: db.url(), ...flags }, {});
    const before = await runDriftReport(config, silentLogger, { chunkRows: 500 });
    const log = before.tables[0]!;
    expect(log.drift).toBe(true);
    expect(log.extraCount).toBe(750); // the table shrank by 750 rows; every later rowid moved
    expect(log.differentCount).toBeGreaterThan(1_000);
    const repaired = await runDriftReport(config, silentLogger, { chunkRows: 500, repair: true });
    expect(repaired.repaired?.deleted).toBe(750);
    expect(repaired.drift).toBe(false);
    const rows = await db.query('SELECT count(*)::int AS n FROM vacuumed.log');
    expect(rows.rows[0]!.n).toBe(2_250);
  });
});

describe('integer keys at the ends of int64', () => {
  it('are chunked and compared without overflowing a bound', async () => {
    const path = tempSqlite('extremes.db');
    const s = new Database(path);
    s.exec(`CREATE TABLE ends (id INTEGER PRIMARY KEY, v TEXT);
      INSERT INTO ends VALUES (-9223372036854775808, 'min'), (0, 'zero'), (9223372036854775807, 'max')`);
    s.close();
    const flags = { schema: 'ends' };
    await snapshot(path, db.url(), flags);
    const config = loadConfig({ sqlite: path, pg: db.url(), ...flags }, {});
    expect((await runDriftReport(config, silentLogger, { chunkRows: 1 })).drift).toBe(false);
    await db.query(`UPDATE ends.ends SET v = 'MIN' WHERE id = -9223372036854775808`);
    const r = await runDriftReport(config, silentLogger, { chunkRows: 1 });
    expect(r.tables[0]!.different.map((d) => d.key)).toEqual(['id=-9223372036854775808']);
  });
});

describe('a bucketed table whose columns are named like the checksum query’s own aliases', () => {
  it('compares equal without a differing chunk (the grouping must not pick up a column)', async () => {
    const path = tempSqlite('aliases.db');
    const s = new Database(path);
    s.exec('CREATE TABLE pair (a INTEGER NOT NULL, b TEXT NOT NULL, c REAL, h TEXT, PRIMARY KEY (a, b))');
    const add = s.prepare('INSERT INTO pair VALUES (?, ?, ?, ?)');
    for (let i = 1; i <= 300; i++) add.run(i, `b${i % 7}`, i / 3, `h${i}`);
    s.close();
    const flags = { schema: 'aliases' };
    await snapshot(path, db.url(), flags);
    const config = loadConfig({ sqlite: path, pg: db.url(), ...flags }, {});
    const r = await runDriftReport(config, silentLogger, { chunkRows: 100 });
    expect(r.tables[0]!.chunksChecked).toBe(3);
    expect(r.tables[0]!.chunksDiffering).toBe(0);
    expect(r.tables[0]!.sqliteRows).toBe(300);
  });
});

describe('a column SQLite has and PostgreSQL lacks (a migration sync has not followed)', () => {
  it('is a difference naming the column in drift-report, verify and the observer, not an error', async () => {
    const path = tempSqlite('migrated.db');
    const s = new Database(path);
    s.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE other (id INTEGER PRIMARY KEY);
      INSERT INTO t (v) VALUES ('a'), ('b'); INSERT INTO other VALUES (1)`);
    s.close();
    const flags = { schema: 'migrated' };
    await snapshot(path, db.url(), flags);
    const app = new Database(path);
    app.exec('ALTER TABLE t ADD COLUMN rating INTEGER DEFAULT 3');
    app.close();
    await db.query('ALTER TABLE migrated.other ADD COLUMN gone TEXT');
    const args = ['--sqlite', path, '--pg', db.url(), '--schema', 'migrated'];

    const text = await cli('drift-report', ...args);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/t: schema differs: column "t"\."rating" is missing in PostgreSQL/);
    expect(text.out).toMatch(
      /other: schema differs: column "other"\."gone" is in PostgreSQL but not in SQLite/,
    );
    const json = JSON.parse((await cli('drift-report', ...args, '--json')).out);
    expect(json.drift).toBe(true);
    expect(json.tables.find((t: { table: string }) => t.table === 't').schema).toEqual([
      'column "t"."rating" is missing in PostgreSQL',
    ]);
    const verified = await cli('verify', ...args, '--table', 't');
    expect(verified.code).toBe(1);
    expect(verified.out).toMatch(/column "t"\."rating" is missing in PostgreSQL/);

    const config = loadConfig({ sqlite: path, pg: db.url(), ...flags }, {});
    const observer = new DriftObserver(config, silentLogger, { intervalMs: 60_000, chunksPerTick: 10 });
    try {
      await observer.tick();
      await observer.tick();
    } finally {
      await observer.stop();
    }
    const status = await readStatus(config);
    expect(status.drift.find((d) => d.table === 't')).toMatchObject({
      different: 1,
      sample: ['schema: column "t"."rating" is missing in PostgreSQL'],
    });
  });
});

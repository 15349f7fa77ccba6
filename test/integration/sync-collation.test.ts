import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/load.js';
import { finalCheck } from '../../src/cutover/final-check.js';
import { silentLogger } from '../../src/log/logger.js';
import { applyBatch } from '../../src/pg/apply.js';
import { readCheckpoint } from '../../src/pg/checkpoint.js';
import { createPool } from '../../src/pg/pool.js';
import { runSync } from '../../src/pipeline/run-sync.js';
import { introspect } from '../../src/schema/introspect.js';
import { pairTables } from '../../src/schema/replicated.js';
import { translate } from '../../src/schema/translate.js';
import { readBatch } from '../../src/sqlite/changelog.js';
import { openSqlite } from '../../src/sqlite/open.js';
import { runDriftReport } from '../../src/verify/drift-report.js';
import { snapshot, verify } from '../support/bridge.js';
import { cutover, dropIdleSlots, startSync, untilSnapshotted } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();
process.env.LITEBRIDGE_LOG_LEVEL = 'silent';

/** Keys SQLite compares with NOCASE and RTRIM: from the column, the key constraint and a UNIQUE index. */
const SCHEMA = `
  CREATE TABLE airports (code TEXT PRIMARY KEY COLLATE NOCASE, name TEXT);
  CREATE TABLE stands (terminal TEXT NOT NULL, stand TEXT NOT NULL, kind TEXT,
    PRIMARY KEY (terminal COLLATE NOCASE, stand)) WITHOUT ROWID;
  CREATE TABLE gates (gate TEXT COLLATE RTRIM PRIMARY KEY, note TEXT);
  CREATE TABLE pilots (id INTEGER PRIMARY KEY, callsign TEXT, email TEXT, UNIQUE (email COLLATE NOCASE));
  CREATE TABLE crews (id INTEGER PRIMARY KEY, code TEXT);
  CREATE UNIQUE INDEX crews_code ON crews (code COLLATE NOCASE);
  INSERT INTO airports VALUES ('yssy', 'Sydney'), ('egll', 'Heathrow'), ('EDDF', 'Frankfurt'), ('lfpg', 'Paris');
  INSERT INTO stands VALUES ('t1', 'A1', 'contact'), ('T2', 'B7', 'remote');
  INSERT INTO gates VALUES ('A1', 'north'), ('B2', 'south');
  INSERT INTO pilots VALUES (1, 'QFA1', 'captain@example.com'), (2, 'BAW1', 'first@example.com');
  INSERT INTO crews VALUES (1, 'red'), (2, 'blue');
`;

function file(name: string): string {
  const path = tempSqlite(`${name}.db`);
  const s = new Database(path);
  s.pragma('journal_mode = WAL');
  s.exec(SCHEMA);
  s.close();
  return path;
}

/** `drift-report`'s exit code (0: no difference). */
async function drift(path: string, schema: string): Promise<number> {
  return main(['drift-report', '--sqlite', path, '--pg', db.url(), '--schema', schema], {
    out: () => undefined,
    err: () => undefined,
  });
}

async function rows(sql: string): Promise<unknown[]> {
  return (await db.query(sql)).rows;
}

describe('keys compared as SQLite compares them (NOCASE, RTRIM)', () => {
  it('syncs case-only key changes, deletes by another case and REPLACE on a NOCASE unique value', async () => {
    const path = file('nocase');
    const sync = startSync(path, db.url(), 'nocase');
    await sync.snapshotted();
    const equal = async () => (await verify(path, db.url(), { schema: 'nocase' })).equal;
    await until(equal);
    expect(await drift(path, 'nocase')).toBe(0);

    const app = new Database(path);
    app.exec("UPDATE airports SET code = 'YSSY' WHERE code = 'yssy'");
    app.exec("DELETE FROM airports WHERE code = 'EGLL'");
    app.exec("UPDATE stands SET terminal = 'T1', kind = 'pier' WHERE terminal = 't1' AND stand = 'A1'");
    // REPLACE removes pilot 1, whose e-mail SQLite holds as the same value.
    app.exec("REPLACE INTO pilots VALUES (3, 'DLH1', 'CAPTAIN@example.com')");
    app.exec("REPLACE INTO crews VALUES (3, 'RED')");
    await until(equal);
    expect(await drift(path, 'nocase')).toBe(0);

    // One batch: the same key under three spellings, deleted and inserted again.
    app.transaction(() => {
      app.exec("DELETE FROM airports WHERE code = 'eddf'");
      app.exec("INSERT INTO airports VALUES ('Eddf', 'Frankfurt Main')");
      app.exec("UPDATE airports SET code = 'eDDF' WHERE code = 'EDDF'");
      app.exec("INSERT OR REPLACE INTO airports VALUES ('LFPG', 'Charles de Gaulle')");
    })();
    await until(equal);
    expect(await drift(path, 'nocase')).toBe(0);
    expect(await rows('SELECT code, name FROM nocase.airports ORDER BY code')).toEqual([
      { code: 'LFPG', name: 'Charles de Gaulle' },
      { code: 'YSSY', name: 'Sydney' },
      { code: 'eDDF', name: 'Frankfurt Main' },
    ]);
    expect(await rows('SELECT id, email FROM nocase.pilots ORDER BY id')).toEqual([
      { id: '2', email: 'first@example.com' },
      { id: '3', email: 'CAPTAIN@example.com' },
    ]);
    expect(await rows('SELECT id, code FROM nocase.crews ORDER BY id')).toEqual([
      { id: '2', code: 'blue' },
      { id: '3', code: 'RED' },
    ]);
    app.close();
    await sync.stop();
  }, 60_000);

  it('syncs an RTRIM key: trailing spaces are the same key', async () => {
    const path = file('rtrim');
    const sync = startSync(path, db.url(), 'rtrim');
    await sync.snapshotted();
    const equal = async () => (await verify(path, db.url(), { schema: 'rtrim' })).equal;
    await until(equal);
    const app = new Database(path);
    app.exec("UPDATE gates SET gate = 'A1  ', note = 'moved' WHERE gate = 'A1'");
    app.exec("INSERT OR REPLACE INTO gates VALUES ('B2 ', 'replaced')");
    app.exec("DELETE FROM gates WHERE gate = 'A1'");
    app.exec("INSERT INTO gates VALUES ('A1 ', 'again')");
    app.close();
    await until(equal);
    expect(await drift(path, 'rtrim')).toBe(0);
    expect(await rows('SELECT gate, note FROM rtrim.gates ORDER BY gate')).toEqual([
      { gate: 'A1 ', note: 'again' },
      { gate: 'B2 ', note: 'replaced' },
    ]);
    await sync.stop();
  }, 60_000);

  it('makes PostgreSQL refuse what SQLite refuses: a duplicate by case or trailing spaces', async () => {
    const path = file('unique');
    const sync = startSync(path, db.url(), 'uniq');
    await sync.snapshotted();
    await sync.stop();
    const refused = async (sql: string) =>
      (await db.query(sql).catch((e: { code?: string }) => e)) as unknown;
    expect(await refused("INSERT INTO uniq.airports VALUES ('YSSY', 'again')")).toMatchObject({
      code: '23505',
    });
    expect(await refused("INSERT INTO uniq.stands VALUES ('T1', 'A1', 'again')")).toMatchObject({
      code: '23505',
    });
    expect(await refused("INSERT INTO uniq.gates VALUES ('A1   ', 'again')")).toMatchObject({
      code: '23505',
    });
    expect(await refused("INSERT INTO uniq.pilots VALUES (9, 'X', 'First@Example.com')")).toMatchObject({
      code: '23505',
    });
    expect(await refused("INSERT INTO uniq.crews VALUES (9, 'BLUE')")).toMatchObject({ code: '23505' });
    // NOCASE folds ASCII only: é and É are two keys in SQLite, and in PostgreSQL.
    await db.query("INSERT INTO uniq.airports VALUES ('é', 'small'), ('É', 'capital')");
  }, 60_000);

  it('keeps a NOCASE key on a partitioned table: the folded index includes the partition column', async () => {
    const path = tempSqlite('parted.db');
    const s = new Database(path);
    s.pragma('journal_mode = WAL');
    s.exec(`CREATE TABLE events (code TEXT PRIMARY KEY COLLATE NOCASE, at DATETIME NOT NULL, v INTEGER);
      INSERT INTO events VALUES ('ab', '2025-07-23 10:00:00', 1), ('cd', '2025-07-24 10:00:00', 2);`);
    const config = join(dirname(path), 'litebridge.json');
    writeFileSync(config, JSON.stringify({ partitions: { events: { column: 'at', interval: 'day' } } }));
    const flags = { sqlite: path, pg: db.url(), schema: 'parted', config };
    const shutdown$ = new Subject<void>();
    const done = runSync(loadConfig(flags, {}), silentLogger, { shutdown$, pollMs: 50 });
    await untilSnapshotted(db.url(), loadConfig(flags, {}).sourceId);
    const equal = async () => (await verify(path, db.url(), { schema: 'parted', config })).equal;
    await until(equal);
    s.exec(
      "UPDATE events SET code = 'AB', v = 10 WHERE code = 'ab'; INSERT OR REPLACE INTO events VALUES ('CD', '2025-07-25 10:00:00', 3)",
    );
    s.close();
    await until(equal);
    expect(await rows('SELECT code, v FROM parted.events ORDER BY code')).toEqual([
      { code: 'AB', v: '10' },
      { code: 'CD', v: '3' },
    ]);
    shutdown$.next();
    await done;
  }, 60_000);

  it("finds the row in the cutover's final check when the changelog spells its key otherwise", async () => {
    const path = file('final');
    const sync = startSync(path, db.url(), 'final');
    await sync.snapshotted();
    await sync.stop();
    const app = new Database(path);
    // Both events are keyed 'EDDF' (the row deleted), the row is now 'Eddf'.
    app.exec("DELETE FROM airports WHERE code = 'eddf'; INSERT INTO airports VALUES ('Eddf', 'Main')");
    app.close();
    const config = loadConfig({ sqlite: path, pg: db.url(), schema: 'final' }, {});
    const sqlite = openSqlite(path);
    const pool = createPool(db.url(), { max: 1 });
    const client = await pool.connect();
    try {
      const source = introspect(sqlite);
      const tables = pairTables(source, translate(source, config));
      const since = (await readCheckpoint(client, config.sourceId))!;
      const batch = readBatch(sqlite, since, tables, { maxEvents: 100 })!;
      expect(batch.changes.map((c) => [c.key, c.row?.[0]])).toEqual([[['EDDF'], 'Eddf']]);
      const targets = new Map([...tables].map(([name, t]) => [name, t.target]));
      await applyBatch(client, batch, targets, { sourceId: config.sourceId });
      const check = await finalCheck(client, sqlite, since, tables);
      expect(check.mismatches).toEqual([]);
      expect(check.equal).toBe(true);
    } finally {
      client.release();
      await pool.end();
      sqlite.close();
    }
  }, 60_000);

  it('stops, naming the index to create, when a table snapshotted earlier lacks the folded key index', async () => {
    const path = file('older');
    const first = startSync(path, db.url(), 'older');
    await first.snapshotted();
    await first.stop();
    await db.query('DROP INDEX older.airports_pkey_folded');
    const app = new Database(path);
    app.exec("UPDATE airports SET name = 'Sydney (YSSY)' WHERE code = 'yssy'");
    app.close();
    const error = await startSync(path, db.url(), 'older').done.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_STATE' });
    expect((error as { hint: string }).hint).toContain(
      `CREATE UNIQUE INDEX "airports_pkey_folded" ON "older"."airports" ((${"translate(\"code\", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"}))`,
    );
  }, 60_000);

  it('reports a key that differs only in case as one differing row, and repairs it', async () => {
    const path = file('drift');
    await snapshot(path, db.url(), { schema: 'drifted' });
    await db.query("UPDATE drifted.airports SET code = 'EdDf' WHERE code = 'EDDF'");
    await db.query("UPDATE drifted.gates SET gate = 'A1 ' WHERE gate = 'A1'");
    const config = loadConfig({ sqlite: path, pg: db.url(), schema: 'drifted' }, {});
    const before = await runDriftReport(config, silentLogger, {});
    for (const name of ['airports', 'gates']) {
      expect(before.tables.find((t) => t.table === name)).toMatchObject({
        missingCount: 0,
        extraCount: 0,
        differentCount: 1,
      });
    }
    const airports = before.tables.find((t) => t.table === 'airports')!;
    expect(airports.different).toEqual([
      { key: "code='EDDF'", columns: [{ column: 'code', sqlite: "'EDDF'", pg: 'EdDf' }] },
    ]);
    const repaired = await runDriftReport(config, silentLogger, { repair: true });
    expect(repaired.drift).toBe(false);
    expect(await rows("SELECT code FROM drifted.airports WHERE code = 'EDDF'")).toEqual([{ code: 'EDDF' }]);
  }, 60_000);

  it('replicates a case-changing key update made on PostgreSQL back to the same SQLite row', async () => {
    const path = file('back');
    const sync = startSync(path, db.url(), 'back');
    await sync.snapshotted();
    const equal = async () => (await verify(path, db.url(), { schema: 'back' })).equal;
    await until(equal);
    expect((await cutover(path, db.url(), {}, 'back')).status).toBe('switched');

    await db.query("UPDATE back.airports SET code = 'YSSY', name = 'Kingsford Smith' WHERE code = 'yssy'");
    await db.query("UPDATE back.stands SET terminal = 'T1' WHERE terminal = 't1'");
    await db.query("UPDATE back.gates SET gate = 'B2  ' WHERE gate = 'B2'");
    await until(equal);
    expect(await drift(path, 'back')).toBe(0);
    const app = new Database(path, { readonly: true });
    expect(app.prepare('SELECT code, name FROM airports ORDER BY code COLLATE BINARY').all()).toEqual([
      { code: 'EDDF', name: 'Frankfurt' },
      { code: 'YSSY', name: 'Kingsford Smith' },
      { code: 'egll', name: 'Heathrow' },
      { code: 'lfpg', name: 'Paris' },
    ]);
    expect(app.prepare('SELECT terminal, stand FROM stands ORDER BY stand').all()).toEqual([
      { terminal: 'T1', stand: 'A1' },
      { terminal: 'T2', stand: 'B7' },
    ]);
    expect(app.prepare('SELECT gate FROM gates ORDER BY gate COLLATE BINARY').pluck().all()).toEqual([
      'A1',
      'B2  ',
    ]);
    // Updated in place (same rowid), never deleted and inserted again (which fires ON DELETE actions).
    expect(app.prepare("SELECT rowid FROM airports WHERE code = 'YSSY' COLLATE BINARY").pluck().get()).toBe(
      1,
    );
    expect(app.prepare("SELECT rowid FROM gates WHERE gate = 'B2  ' COLLATE BINARY").pluck().get()).toBe(2);
    app.close();
    await sync.stop();
    await dropIdleSlots(db.query);
  }, 90_000);
});

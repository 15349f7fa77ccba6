import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import type { SqlValue } from '../../src/model/sql-value.js';
import { introspect } from '../../src/schema/introspect.js';
import {
  CAPTURE_VERSION,
  captureFingerprint,
  captureState,
  installCapture,
  setCaptureEnabled,
  uninstallCapture,
} from '../../src/sqlite/capture.js';
import { captureKeyColumns } from '../../src/sqlite/capture-sql.js';
import { openSqlite, type SqliteDatabase } from '../../src/sqlite/open.js';
import { startWriterProcess } from '../support/app-writer.js';
import { copyFixture, tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

/** A new file with `ddl`, capture installed; `events()` lists (op, table, key) in seq order. */
function captured(ddl: string, options: { foreignKeys?: boolean } = {}) {
  const path = tempSqlite();
  new Database(path).close();
  const db = openSqlite(path);
  db.pragma('journal_mode = WAL');
  if (options.foreignKeys) db.pragma('foreign_keys = ON');
  db.exec(ddl);
  const schema = introspect(db);
  installCapture(db, schema, { sourceId: 'test' });
  const widths = new Map(schema.tables.map((t) => [t.name, captureKeyColumns(t).length]));
  const events = (): [string, string, ...SqlValue[]][] =>
    (
      db
        .prepare('SELECT op, tbl, k0, k1, k2, k3, k4, k5, k6, k7 FROM _litebridge_changelog ORDER BY seq')
        .raw(true)
        .all() as [string, string, ...SqlValue[]][]
    ).map(([op, tbl, ...keys]) => [op, tbl, ...keys.slice(0, widths.get(tbl) ?? 8)]);
  const clear = () => db.exec('DELETE FROM _litebridge_changelog');
  return { db, path, schema, events, clear };
}

const T = 'CREATE TABLE t (id INTEGER PRIMARY KEY, u TEXT UNIQUE, v TEXT);';

describe('every write form records the exact keys', () => {
  test('INSERT, UPDATE of a non-key column, UPDATE of the key, DELETE', () => {
    const { db, events } = captured(T);
    db.exec("INSERT INTO t (id, u, v) VALUES (1, 'a', 'x'), (2, 'b', 'y')");
    db.exec("UPDATE t SET v = 'z' WHERE id = 1");
    db.exec('UPDATE t SET id = 10 WHERE id = 2');
    db.exec('DELETE FROM t WHERE id = 1');
    expect(events()).toEqual([
      ['I', 't', 1n],
      ['I', 't', 2n],
      ['U', 't', 1n],
      ['D', 't', 2n],
      ['I', 't', 10n],
      ['D', 't', 1n],
    ]);
  });

  test('REPLACE forms, OR IGNORE, UPSERT', () => {
    const { db, events, clear } = captured(T);
    db.exec("INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', 'y')");
    clear();
    db.exec("INSERT OR REPLACE INTO t VALUES (1, 'a', 'x2')");
    db.exec("REPLACE INTO t VALUES (2, 'b', 'y2')");
    db.exec("INSERT OR IGNORE INTO t VALUES (1, 'zz', 'ignored')");
    db.exec("INSERT INTO t VALUES (1, 'a', 'up') ON CONFLICT (id) DO UPDATE SET v = excluded.v");
    db.exec("INSERT INTO t VALUES (3, 'c', 'new') ON CONFLICT (id) DO UPDATE SET v = excluded.v");
    db.exec("INSERT INTO t VALUES (9, 'c', 'x') ON CONFLICT DO NOTHING");
    // UPDATE OR REPLACE moving row 3 onto key 2: row 2 is removed by conflict resolution.
    db.exec('UPDATE OR REPLACE t SET id = 2 WHERE id = 3');
    expect(events()).toEqual([
      ['I', 't', 1n], // REPLACE on an existing key: the insert trigger only (no delete trigger)
      ['I', 't', 2n],
      ['U', 't', 1n], // DO UPDATE fires the update trigger
      ['I', 't', 3n],
      ['U', 't', 3n], // (9, 'c') would collide with row 3 on u: recorded, read back unchanged
      ['D', 't', 3n],
      ['I', 't', 2n],
    ]);
    expect(db.prepare('SELECT id, v FROM t ORDER BY id').raw(true).all()).toEqual([
      [1n, 'up'],
      [2n, 'new'],
    ]);
  });

  test('REPLACE colliding on a secondary UNIQUE index: the removed row is recorded too', () => {
    const { db, events, clear } = captured(T);
    db.exec("INSERT INTO t VALUES (1, 'a', 'x'), (2, 'b', 'y')");
    clear();
    db.exec("REPLACE INTO t VALUES (3, 'a', 'takes a')");
    // SQLite fires no delete trigger for rows REPLACE removes (recursive_triggers is off): the
    // BEFORE INSERT trigger records row 1, which holds the incoming unique value, so the batch
    // reader finds it gone even if row 3 changes that value again before sync reads it.
    expect(events()).toEqual([
      ['U', 't', 1n],
      ['I', 't', 3n],
    ]);
    expect(db.prepare('SELECT id FROM t ORDER BY id').pluck().all()).toEqual([2n, 3n]);
  });

  test('ON DELETE CASCADE and ON UPDATE CASCADE', () => {
    const { db, events, clear } = captured(
      `CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
       CREATE TABLE child (pid INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE ON UPDATE CASCADE,
                           n INTEGER NOT NULL, PRIMARY KEY (pid, n)) WITHOUT ROWID;`,
      { foreignKeys: true },
    );
    db.exec("INSERT INTO parent VALUES (1, 'p'), (2, 'q'); INSERT INTO child VALUES (1, 1), (1, 2), (2, 1)");
    clear();
    db.exec('UPDATE parent SET id = 5 WHERE id = 1');
    db.exec('DELETE FROM parent WHERE id = 2');
    expect(events()).toEqual([
      ['D', 'child', 1n, 1n],
      ['I', 'child', 5n, 1n],
      ['D', 'child', 1n, 2n],
      ['I', 'child', 5n, 2n],
      ['D', 'parent', 1n],
      ['I', 'parent', 5n],
      ['D', 'child', 2n, 1n],
      ['D', 'parent', 2n],
    ]);
  });

  test('WITHOUT ROWID table with a text/blob composite key', () => {
    const { db, events } = captured('CREATE TABLE w (a TEXT, b BLOB, v, PRIMARY KEY (b, a)) WITHOUT ROWID;');
    const blob = Buffer.from([0, 255, 1]);
    db.prepare('INSERT INTO w VALUES (?, ?, 1)').run('k', blob);
    db.prepare('UPDATE w SET v = 2 WHERE a = ?').run('k');
    db.prepare("UPDATE w SET a = 'K' WHERE a = ?").run('k');
    expect(events()).toEqual([
      ['I', 'w', blob, 'k'],
      ['U', 'w', blob, 'k'],
      ['D', 'w', blob, 'k'],
      ['I', 'w', blob, 'K'],
    ]);
  });

  test('a key change is compared as the key compares: a case-only change of a NOCASE key is an update', () => {
    const { db, events } = captured(`CREATE TABLE c (name TEXT COLLATE NOCASE PRIMARY KEY, v);
      CREATE TABLE k (name TEXT, v, PRIMARY KEY (name COLLATE RTRIM));`);
    db.exec("INSERT INTO c VALUES ('abc', 1); UPDATE c SET name = 'ABC'; UPDATE c SET name = 'abd'");
    db.exec("INSERT INTO k VALUES ('x', 1); UPDATE k SET name = 'x  '; UPDATE k SET name = 'X'");
    expect(events()).toEqual([
      ['I', 'c', 'abc'],
      ['U', 'c', 'ABC'],
      ['D', 'c', 'ABC'],
      ['I', 'c', 'abd'],
      ['I', 'k', 'x'],
      ['U', 'k', 'x  '],
      ['D', 'k', 'x  '],
      ['I', 'k', 'X'],
    ]);
  });

  test('table without primary key: keyed by rowid, also when a column is named rowid', () => {
    const { db, events } = captured('CREATE TABLE r (v TEXT); CREATE TABLE s (rowid TEXT, v TEXT);');
    db.exec(
      "INSERT INTO r (v) VALUES ('a'), ('b'); UPDATE r SET v = 'c' WHERE v = 'a'; UPDATE r SET rowid = 7 WHERE v = 'b'",
    );
    db.exec("INSERT INTO s VALUES ('not the key', 'x'); DELETE FROM r WHERE rowid = 1");
    expect(events()).toEqual([
      ['I', 'r', 1n],
      ['I', 'r', 2n],
      ['U', 'r', 1n],
      ['D', 'r', 2n],
      ['I', 'r', 7n],
      ['I', 's', 1n],
      ['D', 'r', 1n],
    ]);
  });

  test('an INTEGER PRIMARY KEY changed through any rowid name is a key change', () => {
    const { db, events } = captured(T);
    db.exec("INSERT INTO t VALUES (1, 'a', 'x')");
    db.exec('UPDATE t SET rowid = 2; UPDATE t SET _ROWID_ = 3; UPDATE t SET Oid = 4; UPDATE t SET ID = 5');
    expect(events()).toEqual([
      ['I', 't', 1n],
      ['D', 't', 1n],
      ['I', 't', 2n],
      ['D', 't', 2n],
      ['I', 't', 3n],
      ['D', 't', 3n],
      ['I', 't', 4n],
      ['D', 't', 4n],
      ['I', 't', 5n],
    ]);
  });

  test('rolled-back transaction and rolled-back SAVEPOINT leave no events', () => {
    const { db, events } = captured(T);
    db.exec("BEGIN; INSERT INTO t VALUES (1, 'a', 'x'); ROLLBACK");
    db.exec(
      "BEGIN; INSERT INTO t VALUES (2, 'b', 'y'); SAVEPOINT s; INSERT INTO t VALUES (3, 'c', 'z'); DELETE FROM t WHERE id = 2; ROLLBACK TO s; RELEASE s; COMMIT",
    );
    expect(events()).toEqual([['I', 't', 2n]]);
  });

  test('a 100k-row multi-statement transaction', () => {
    const { db, events } = captured(T);
    const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= 100_000; i++) insert.run(i, `v${i}`);
      db.exec('UPDATE t SET v = NULL WHERE id % 2 = 0');
      db.exec('DELETE FROM t WHERE id > 99990');
    })();
    const all = events();
    expect(all.length).toBe(100_000 + 50_000 + 10);
    expect(all[0]).toEqual(['I', 't', 1n]);
    expect(all[99_999]).toEqual(['I', 't', 100_000n]);
    expect(all[100_000]).toEqual(['U', 't', 2n]);
    expect(all.at(-1)).toEqual(['D', 't', 100_000n]);
    const seqs = db.prepare('SELECT seq FROM _litebridge_changelog ORDER BY seq').pluck().all() as bigint[];
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
  });

  test('ALTER TABLE DROP COLUMN and ADD COLUMN of a non-key column keep working', () => {
    const { db, events } = captured(T);
    db.exec("INSERT INTO t VALUES (1, 'a', 'x')");
    db.exec('ALTER TABLE t DROP COLUMN v');
    db.exec('ALTER TABLE t ADD COLUMN w BLOB');
    db.prepare('INSERT INTO t (id, u, w) VALUES (2, ?, ?)').run('b', Buffer.from([1, 2]));
    db.exec("UPDATE t SET w = x'00' WHERE id = 1");
    expect(events()).toEqual([
      ['I', 't', 1n],
      ['I', 't', 2n],
      ['U', 't', 1n],
    ]);
  });

  test('BLOB and REAL keys are stored exactly', () => {
    const { db, events } = captured(
      'CREATE TABLE b (k BLOB PRIMARY KEY); CREATE TABLE f (k REAL PRIMARY KEY);',
    );
    const blobs = [Buffer.from([]), Buffer.from([0, 0xff, 0xfe, 0x80]), Buffer.from('text-like')];
    for (const blob of blobs) db.prepare('INSERT INTO b VALUES (?)').run(blob);
    const reals = [0.1 + 0.2, Number.MIN_VALUE, -1.7976931348623157e308, 1 / 3];
    for (const r of reals) db.prepare('INSERT INTO f VALUES (?)').run(r);
    const got = events();
    expect(got.slice(0, 3).map((e) => e[2])).toEqual(blobs);
    const keys = got.slice(3).map((e) => e[2] as number);
    expect(keys.map((k) => Object.is(k, reals[keys.indexOf(k)]))).toEqual([true, true, true, true]);
    expect(keys).toEqual(reals);
    expect(db.prepare('SELECT typeof(k0) FROM _litebridge_changelog ORDER BY seq').pluck().all()).toEqual([
      'blob',
      'blob',
      'blob',
      'real',
      'real',
      'real',
      'real',
    ]);
  });

  test('capture flag off: no events', () => {
    const { db, events } = captured(T);
    db.transaction(() => {
      setCaptureEnabled(db, false);
      db.exec("INSERT INTO t VALUES (1, 'a', 'x'); UPDATE t SET v = 'y'; UPDATE t SET id = 3; DELETE FROM t");
      setCaptureEnabled(db, true);
    })();
    db.exec("INSERT INTO t VALUES (2, 'b', 'x')");
    expect(events()).toEqual([['I', 't', 2n]]);
  });
});

describe('install, version, uninstall', () => {
  const triggers = (db: SqliteDatabase) =>
    db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name").raw(true).all();

  test('installing twice changes nothing', () => {
    const { db, schema } = captured(`${T} CREATE TABLE "odd ""name""" (x, y, PRIMARY KEY (y, x));`);
    const before = triggers(db);
    const fingerprint = captureFingerprint(db);
    expect(before).toHaveLength(10); // t: 4, plus 2 for its UNIQUE column; the odd table: 4
    expect(installCapture(db, schema, { sourceId: 'test' })).toEqual({ created: 0, dropped: 0 });
    expect(triggers(db)).toEqual(before);
    expect(captureFingerprint(db)).toBe(fingerprint);
    expect(captureState(db)).toMatchObject({
      installed: true,
      version: CAPTURE_VERSION,
      sourceId: 'test',
      enabled: true,
      triggers: 10,
    });
  });

  test('another stored version: every trigger re-created; a stale trigger: replaced', () => {
    const { db, schema } = captured(T);
    db.exec("UPDATE _litebridge_meta SET value = 0 WHERE key = 'capture_version'");
    expect(installCapture(db, schema, { sourceId: 'test' })).toEqual({ created: 6, dropped: 6 });
    db.exec(
      'DROP TRIGGER _litebridge_t_upd; CREATE TRIGGER _litebridge_t_upd AFTER UPDATE ON t BEGIN SELECT 1; END',
    );
    const fingerprint = captureFingerprint(db);
    expect(installCapture(db, schema, { sourceId: 'test' })).toEqual({ created: 1, dropped: 1 });
    expect(captureFingerprint(db)).not.toBe(fingerprint);
    db.exec("INSERT INTO t VALUES (1, 'a', 'x'); UPDATE t SET v = 'y'");
    expect(captureState(db).head).toBe(2n);
  });

  test('upgrade from the previous version while an application writes: every write captured once', async () => {
    const { db, path, schema, events } = captured('CREATE TABLE w (id INTEGER PRIMARY KEY, v TEXT);');
    // Capture as version 3 installed it: one UPDATE trigger running two INSERTs.
    const into = 'INSERT INTO "_litebridge_changelog" (tbl, op, k0, at)';
    const now = "(julianday('now') - 2440587.5) * 86400000.0";
    const changed = 'OLD."id" IS NOT NEW."id" COLLATE BINARY';
    db.exec(
      'DROP TRIGGER "_litebridge_w_upd"; DROP TRIGGER "_litebridge_w_upk";' +
        'CREATE TRIGGER "_litebridge_w_upd" AFTER UPDATE ON "w" FOR EACH ROW WHEN (SELECT enabled FROM "_litebridge_capture" WHERE id = 1)\nBEGIN\n' +
        `  ${into} SELECT 'w', 'D', OLD."id", ${now} WHERE ${changed};\n` +
        `  ${into} VALUES ('w', CASE WHEN ${changed} THEN 'I' ELSE 'U' END, NEW."id", ${now});\nEND;` +
        "UPDATE _litebridge_meta SET value = 3 WHERE key = 'capture_version'",
    );
    // Each step its own autocommit: insert, update a value, move the key.
    const writer = await startWriterProcess<{ n: number }>(
      `const db = new (require(process.argv[1]))(process.argv[2]);
db.pragma('busy_timeout = 10000');
let n = 0;
const ins = db.prepare("INSERT INTO w (id, v) VALUES (?, 'a')");
const upd = db.prepare("UPDATE w SET v = 'b' WHERE id = ?");
const move = db.prepare('UPDATE w SET id = ? WHERE id = ?');
const timer = setInterval(() => { n++; ins.run(n); upd.run(n); move.run(n + 1000000, n); }, 1);
process.on('message', () => { clearInterval(timer); process.send({ n }, () => process.exit(0)); });
process.on('disconnect', () => process.exit(0));
process.send('started');`,
      [path],
    );
    const head = () => Number(captureState(db).head);
    await until(async () => head() >= 40);
    expect(installCapture(db, schema, { sourceId: 'test' })).toEqual({ created: 4, dropped: 3 });
    const upgradedAt = head();
    await until(async () => head() >= upgradedAt + 40);
    const { n } = await writer.stop();
    expect(captureState(db).version).toBe(CAPTURE_VERSION);
    expect(events()).toEqual(
      Array.from({ length: n }, (_, i) => [
        ['I', 'w', BigInt(i + 1)],
        ['U', 'w', BigInt(i + 1)],
        ['D', 'w', BigInt(i + 1)],
        ['I', 'w', BigInt(i + 1000001)],
      ]).flat(),
    );
  });

  test('a new table after install: fingerprint changes, re-install adds its triggers', () => {
    const { db } = captured(T);
    const fingerprint = captureFingerprint(db);
    db.exec('CREATE TABLE later (id INTEGER PRIMARY KEY)');
    expect(captureFingerprint(db)).not.toBe(fingerprint);
    expect(installCapture(db, introspect(db), { sourceId: 'test' })).toEqual({ created: 4, dropped: 0 });
  });

  test('another source id is refused', () => {
    const { db, schema } = captured(T);
    expect(() => installCapture(db, schema, { sourceId: 'other' })).toThrow(
      /already captured for source "test"/,
    );
  });

  test('uninstall leaves nothing named _litebridge_', () => {
    const { db } = captured(`${T} CREATE TABLE r (v);`);
    uninstallCapture(db);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name LIKE '%litebridge%'").all()).toEqual([]);
    db.exec("INSERT INTO t VALUES (1, 'a', 'x'); INSERT INTO r VALUES (1)");
    expect(captureState(db)).toMatchObject({ installed: false, head: 0n, triggers: 0 });
    uninstallCapture(db); // twice is fine
  });

  test('the real collector database: every table captured, its writes recorded', () => {
    const db = openSqlite(copyFixture());
    const schema = introspect(db);
    installCapture(db, schema, { sourceId: 'collector' });
    // 4 per table, plus 2 for each of the 4 tables with a secondary UNIQUE index.
    expect(captureState(db)).toMatchObject({ installed: true, triggers: schema.tables.length * 4 + 4 * 2 });
    const id = db.prepare('SELECT max(id) FROM flights').pluck().get() as bigint;
    db.prepare('UPDATE flights SET altitude = 1 WHERE id = ?').run(id);
    db.prepare('DELETE FROM flights WHERE id = ?').run(id);
    expect(db.prepare('SELECT op, tbl, k0 FROM _litebridge_changelog ORDER BY seq').raw(true).all()).toEqual([
      ['U', 'flights', id],
      ['D', 'flights', id],
    ]);
    db.close();
  });
});

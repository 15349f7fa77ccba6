import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/config/config.js';
import { introspect } from '../../src/schema/introspect.js';
import type { ReplicatedTable } from '../../src/schema/replicated.js';
import { translate } from '../../src/schema/translate.js';
import { installCapture } from '../../src/sqlite/capture.js';
import { changelogHead, pruneChangelog, readBatch, readBatchAtSchema } from '../../src/sqlite/changelog.js';
import { openSqlite, schemaVersion } from '../../src/sqlite/open.js';
import { tempSqlite } from '../support/sqlite.js';

/** A WAL file with `ddl` and capture installed; `tables` maps every table to its source and target. */
function captured(ddl: string) {
  const path = tempSqlite();
  new Database(path).close();
  const db = openSqlite(path);
  db.pragma('journal_mode = WAL');
  db.exec(ddl);
  const source = introspect(db);
  const target = translate(source, DEFAULT_TRANSLATE_OPTIONS);
  installCapture(db, source, { sourceId: 'test' });
  const tables = new Map<string, ReplicatedTable>(
    target.tables.map((t) => [
      t.source,
      { source: source.tables.find((s) => s.name === t.source)!, target: t },
    ]),
  );
  return { db, path, tables };
}

const DDL = `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB);
             CREATE TABLE r (v TEXT);
             CREATE TABLE "select" (k TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;`;

describe('readBatch', () => {
  test('at a schema version: reads nothing once another connection changed the schema', () => {
    const { db, path, tables } = captured(DDL);
    const version = schemaVersion(db);
    db.exec("INSERT INTO t VALUES (1, 'a', NULL)");
    expect(readBatchAtSchema(db, 0n, tables, { maxEvents: 10 }, version)).toMatchObject({ upTo: 1n });
    const app = new Database(path);
    app.exec('ALTER TABLE t ADD COLUMN rating INTEGER DEFAULT 3; UPDATE t SET rating = 5');
    app.close();
    expect(readBatchAtSchema(db, 0n, tables, { maxEvents: 10 }, version)).toBe('schema-changed');
    expect(readBatchAtSchema(db, 0n, tables, { maxEvents: 10 }, schemaVersion(db))).toMatchObject({
      upTo: 2n,
    });
  });

  test('nothing after the head: null; head 0 on an empty changelog', () => {
    const { db, tables } = captured(DDL);
    expect(changelogHead(db)).toBe(0n);
    expect(readBatch(db, 0n, tables, { maxEvents: 10 })).toBeNull();
    db.exec("INSERT INTO t VALUES (1, 'a', NULL)");
    expect(changelogHead(db)).toBe(1n);
    expect(readBatch(db, 1n, tables, { maxEvents: 10 })).toBeNull();
  });

  test('coalesces per key, reads the current row in target column order, null when gone', () => {
    const { db, tables } = captured(DDL);
    db.exec("INSERT INTO t VALUES (1, 'a', x'00ff')");
    for (let i = 0; i < 10; i++) db.prepare('UPDATE t SET v = ? WHERE id = 1').run(`v${i}`);
    db.exec("INSERT INTO t VALUES (2, 'gone', NULL); DELETE FROM t WHERE id = 2");
    db.exec("INSERT INTO r VALUES ('row'); INSERT INTO \"select\" VALUES ('k', 7)");
    const batch = readBatch(db, 0n, tables, { maxEvents: 100 })!;
    expect(batch).toMatchObject({ after: 0n, upTo: 15n, events: 15, atHead: true });
    expect(batch.firstAt).toBeLessThanOrEqual(batch.lastAt);
    expect(Math.abs(batch.lastAt - Date.now())).toBeLessThan(3_600_000);
    expect(batch.changes).toEqual([
      { table: 't', key: [2n], row: null },
      { table: 't', key: [1n], row: [1n, 'v9', Buffer.from([0, 255])] },
      // the rowid table's target columns: the synthetic rowid key first, then v
      { table: 'r', key: [1n], row: [1n, 'row'] },
      { table: 'select', key: ['k'], row: ['k', 7n] },
    ]);
  });

  test('maxEvents boundary: atHead only when fewer rows than asked came back', () => {
    const { db, tables } = captured(DDL);
    for (let i = 1; i <= 5; i++) db.prepare('INSERT INTO t (id) VALUES (?)').run(i);
    const first = readBatch(db, 0n, tables, { maxEvents: 5 })!;
    expect(first).toMatchObject({ upTo: 5n, events: 5, atHead: false });
    expect(readBatch(db, first.upTo, tables, { maxEvents: 5 })).toBeNull();
    const part = readBatch(db, 0n, tables, { maxEvents: 2 })!;
    expect(part).toMatchObject({ upTo: 2n, events: 2, atHead: false });
    expect(part.changes.map((c) => c.key)).toEqual([[1n], [2n]]);
    const rest = readBatch(db, 2n, tables, { maxEvents: 4 })!;
    expect(rest).toMatchObject({ after: 2n, upTo: 5n, events: 3, atHead: true });
  });

  test('maxBytes: a batch ends before the key whose row would pass it, and the next batches cover the rest', () => {
    const { db, tables } = captured(DDL);
    const blob = Buffer.alloc(1000, 7);
    // Keys 1..6, each row about 1,000 bytes; then key 1 changed again (seq 7).
    for (let i = 1; i <= 6; i++) db.prepare('INSERT INTO t VALUES (?, ?, ?)').run(i, `r${i}`, blob);
    db.prepare('UPDATE t SET v = ? WHERE id = 1').run('again');
    db.exec("INSERT INTO r VALUES ('small')");
    const first = readBatch(db, 0n, tables, { maxEvents: 100, maxBytes: 2_500 })!;
    // Rows 1 and 2 fit; row 3's first event (seq 3) would pass 2,500 bytes: the batch ends at seq 2.
    expect(first).toMatchObject({ after: 0n, upTo: 2n, events: 2, atHead: false });
    expect(first.changes.map((c) => c.key)).toEqual([[1n], [2n]]);
    const keys: bigint[] = [];
    let at = first.upTo;
    for (let batch = readBatch(db, at, tables, { maxEvents: 100, maxBytes: 2_500 }); batch !== null; ) {
      keys.push(...batch.changes.filter((c) => c.table === 't').map((c) => c.key[0] as bigint));
      at = batch.upTo;
      batch = readBatch(db, at, tables, { maxEvents: 100, maxBytes: 2_500 });
    }
    // Key 1's second event is after the first batch: it travels again, with the current row.
    expect(keys).toEqual([3n, 4n, 5n, 6n, 1n]);
    expect(at).toBe(changelogHead(db));
    // A row larger than the limit still travels, alone.
    const one = readBatch(db, 0n, tables, { maxEvents: 100, maxBytes: 10 })!;
    expect(one).toMatchObject({ upTo: 1n, events: 1 });
    expect(one.changes).toHaveLength(1);
    // Without maxBytes the default (megabytes) takes them all.
    expect(readBatch(db, 0n, tables, { maxEvents: 100 })).toMatchObject({ upTo: 8n, atHead: true });
  });

  test('events of tables not replicated are skipped but covered by upTo', () => {
    const { db, tables } = captured(DDL);
    const onlyT = new Map([...tables].filter(([name]) => name === 't'));
    db.exec("INSERT INTO r VALUES ('x'); INSERT INTO t (id) VALUES (1); INSERT INTO r VALUES ('y')");
    const batch = readBatch(db, 0n, onlyT, { maxEvents: 10 })!;
    expect(batch).toMatchObject({ upTo: 3n, events: 3 });
    expect(batch.changes).toEqual([{ table: 't', key: [1n], row: [1n, null, null] }]);
    const none = readBatch(db, 0n, new Map(), { maxEvents: 10 })!;
    expect(none).toMatchObject({ upTo: 3n, events: 3, changes: [] });
  });

  test('all rows come from one snapshot while another connection writes', () => {
    const { db, path, tables } = captured(DDL);
    db.exec("INSERT INTO t VALUES (1, 'x', NULL); INSERT INTO t VALUES (2, 'x', NULL)");
    const writer = new Database(path);
    // A reader connection mid-batch cannot be interrupted from JS; instead the writer commits
    // between two batches and inside neither: rows and changelog agree in each batch.
    const first = readBatch(db, 0n, tables, { maxEvents: 100 })!;
    writer.exec("BEGIN; UPDATE t SET v = 'y'; DELETE FROM t WHERE id = 2; COMMIT");
    const second = readBatch(db, first.upTo, tables, { maxEvents: 100 })!;
    expect(first.changes.map((c) => c.row?.[1])).toEqual(['x', 'x']);
    // The application holds the write lock: readBatch neither waits for it nor sees its rows.
    db.pragma('busy_timeout = 0');
    writer.exec("BEGIN IMMEDIATE; INSERT INTO t VALUES (3, 'uncommitted', NULL)");
    expect(readBatch(db, first.upTo, tables, { maxEvents: 100 })!.changes).toHaveLength(2);
    writer.exec('ROLLBACK');
    expect(second.changes).toEqual([
      { table: 't', key: [2n], row: null },
      { table: 't', key: [1n], row: [1n, 'y', null] },
    ]);
    writer.close();
  });

  test('the read transaction holds a snapshot: a writer commits while it is open', () => {
    const { db, path, tables } = captured(DDL);
    db.exec("INSERT INTO t VALUES (1, 'before', NULL)");
    const writer = new Database(path);
    // Open a read transaction on the same connection the way readBatch's caller could be
    // nested: readBatch inside db.transaction reuses it (a savepoint), so it sees the same snapshot.
    const batch = db.transaction(() => {
      db.prepare('SELECT count(*) FROM t').get();
      writer.exec("UPDATE t SET v = 'after'; INSERT INTO t VALUES (2, 'new', NULL)");
      return readBatch(db, 0n, tables, { maxEvents: 100 })!;
    })();
    expect(batch).toMatchObject({ upTo: 1n, events: 1 });
    expect(batch.changes).toEqual([{ table: 't', key: [1n], row: [1n, 'before', null] }]);
    expect(readBatch(db, 0n, tables, { maxEvents: 100 })!.changes.map((c) => c.row?.[1])).toEqual([
      'after',
      'new',
    ]);
    writer.close();
  });

  test('readBatch reads every row in its own single snapshot', () => {
    // A virtual generated column calls back into JS while readBatch reads the first row; the
    // callback commits a write from another connection. Rows read after it must not see it.
    const path = tempSqlite();
    new Database(path).close();
    const writer = new Database(path);
    let armed = false;
    let fired = false;
    const hook = (id: unknown) => {
      if (armed && !fired && id === 1n) {
        fired = true;
        writer.exec("UPDATE g SET v = 'after' WHERE id = 2; INSERT INTO g (id, v) VALUES (3, 'new')");
      }
      return 0;
    };
    const db = openSqlite(path);
    db.function('hook', { deterministic: true, safeIntegers: true }, hook);
    writer.function('hook', { deterministic: true, safeIntegers: true }, (_id: unknown) => 0);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE g (id INTEGER PRIMARY KEY, v TEXT, h INTEGER AS (hook(id)) VIRTUAL)');
    const source = introspect(db);
    const target = translate(source, DEFAULT_TRANSLATE_OPTIONS);
    installCapture(db, source, { sourceId: 'test' });
    const tables = new Map<string, ReplicatedTable>([
      ['g', { source: source.tables[0]!, target: target.tables[0]! }],
    ]);
    db.exec("INSERT INTO g (id, v) VALUES (1, 'before'), (2, 'before')");
    armed = true;
    const batch = readBatch(db, 0n, tables, { maxEvents: 100 })!;
    expect(fired).toBe(true);
    expect(batch).toMatchObject({ upTo: 2n, events: 2 });
    expect(batch.changes.map((c) => c.row?.slice(0, 2))).toEqual([
      [1n, 'before'],
      [2n, 'before'],
    ]);
    const next = readBatch(db, batch.upTo, tables, { maxEvents: 100 })!;
    expect(next.changes.map((c) => c.row?.slice(0, 2))).toEqual([
      [2n, 'after'],
      [3n, 'new'],
    ]);
    writer.close();
  });

  test('invalid UTF-8 text is re-read as bytes', () => {
    const { db, tables } = captured(DDL);
    db.exec("INSERT INTO t VALUES (1, CAST(x'61ff62' AS TEXT), NULL), (2, 'ok \uFFFD real', NULL)");
    const changes = readBatch(db, 0n, tables, { maxEvents: 10 })!.changes;
    expect(changes[0]!.row![1]).toEqual(Buffer.from([0x61, 0xff, 0x62]));
    expect(changes[1]!.row![1]).toBe('ok \uFFFD real');
  });
});

describe('pruneChangelog', () => {
  test('keeps the newest row; seq continues after pruning everything', () => {
    const { db } = captured(DDL);
    for (let i = 1; i <= 25; i++) db.prepare('INSERT INTO t (id) VALUES (?)').run(i);
    expect(pruneChangelog(db, 10n, { batch: 3 })).toBe(10);
    expect(db.prepare('SELECT min(seq) FROM _litebridge_changelog').pluck().get()).toBe(11n);
    expect(pruneChangelog(db, 1000n, { batch: 4 })).toBe(14);
    expect(db.prepare('SELECT seq FROM _litebridge_changelog').pluck().all()).toEqual([25n]);
    expect(pruneChangelog(db, 1000n, { batch: 4 })).toBe(0);
    db.exec('INSERT INTO t (id) VALUES (100)');
    expect(changelogHead(db)).toBe(26n);
  });

  test('prunes nothing at or below 0 and nothing when capture is absent', () => {
    const { db } = captured(DDL);
    db.exec('INSERT INTO t (id) VALUES (1), (2)');
    expect(pruneChangelog(db, 0n, { batch: 10 })).toBe(0);
    const bare = tempSqlite();
    new Database(bare).close();
    expect(pruneChangelog(openSqlite(bare), 10n, { batch: 10 })).toBe(0);
  });
});

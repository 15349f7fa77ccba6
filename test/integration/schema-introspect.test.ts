import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { introspect } from '../../src/schema/introspect.js';
import { copyFixture, tempSqlite } from '../support/sqlite.js';

function openWith(sql: string): Database.Database {
  const db = new Database(tempSqlite());
  db.exec(sql);
  return db;
}

describe('introspect on the collector fixture', () => {
  const db = new Database(copyFixture());
  const schema = introspect(db);

  it('finds the ten application tables and nothing of SQLite', () => {
    expect(schema.tables.map((t) => t.name).sort()).toEqual(
      [
        'airport_config',
        'controllers',
        'events',
        'flight_summaries',
        'flights',
        'movement_detection_config',
        'movement_summaries',
        'sectors',
        'system_config',
        'traffic_movements',
      ].sort(),
    );
    expect(schema.views).toEqual([]);
    expect(schema.skipped).toEqual([]);
  });

  it('reads columns, the rowid alias and AUTOINCREMENT', () => {
    const flights = schema.tables.find((t) => t.name === 'flights')!;
    expect(flights.primaryKey).toEqual(['id']);
    expect(flights.rowidAlias).toBe('id');
    expect(flights.autoincrement).toBe(false);
    const small = flights.columns.find((c) => c.name === 'altitude_small')!;
    expect(small).toMatchObject({ declaredType: 'SMALLINT', notNull: false, pkPosition: 0, generated: null });
    expect(flights.columns.find((c) => c.name === 'callsign')).toMatchObject({
      declaredType: 'VARCHAR(20)',
      notNull: true,
    });
    const ms = schema.tables.find((t) => t.name === 'movement_summaries')!;
    expect(ms.autoincrement).toBe(true);
    expect(ms.rowidAlias).toBe('id');
  });

  it('reads indexes with origin, uniqueness and parts', () => {
    const sc = schema.tables.find((t) => t.name === 'system_config')!;
    const auto = sc.indexes.find((i) => i.origin === 'u')!;
    expect(auto).toMatchObject({ unique: true, sql: null, where: null });
    expect(auto.parts).toEqual([{ column: 'key', expression: null, descending: false, collation: null }]);
    const ms = schema.tables.find((t) => t.name === 'movement_summaries')!;
    expect(
      ms.indexes.find((i) => i.name === 'idx_movement_summaries_type')!.parts.map((p) => p.column),
    ).toEqual(['movement_type', 'date']);
  });

  it('groups foreign keys', () => {
    const flights = schema.tables.find((t) => t.name === 'flights')!;
    expect(
      flights.foreignKeys.map((f) => [f.columns, f.referencedTable, f.referencedColumns, f.deferred]),
    ).toEqual(
      expect.arrayContaining([
        [['controller_id'], 'controllers', ['id'], false],
        [['sector_id'], 'sectors', ['id'], false],
      ]),
    );
  });
});

describe('introspect on crafted schemas', () => {
  it('handles WITHOUT ROWID, composite keys, STRICT and rowid-only tables', () => {
    const db = openWith(`
      CREATE TABLE kv (b TEXT, a INTEGER, v BLOB, PRIMARY KEY (a, b)) WITHOUT ROWID;
      CREATE TABLE s (id INTEGER PRIMARY KEY, n ANY) STRICT;
      CREATE TABLE log (msg TEXT, at DATETIME);
      CREATE TABLE big (id BIGINT PRIMARY KEY, x);
      CREATE TABLE desc_pk (id INTEGER, PRIMARY KEY (id DESC));
    `);
    const s = introspect(db);
    const kv = s.tables.find((t) => t.name === 'kv')!;
    expect(kv).toMatchObject({ withoutRowid: true, primaryKey: ['a', 'b'], rowidAlias: null, strict: false });
    expect(kv.indexes.find((i) => i.origin === 'pk')!.parts.map((p) => p.column)).toEqual(['a', 'b']);
    expect(s.tables.find((t) => t.name === 's')).toMatchObject({ strict: true, rowidAlias: 'id' });
    expect(s.tables.find((t) => t.name === 'log')).toMatchObject({ primaryKey: [], rowidAlias: null });
    expect(s.tables.find((t) => t.name === 'big')).toMatchObject({ primaryKey: ['id'], rowidAlias: null });
    expect(s.tables.find((t) => t.name === 'desc_pk')!.rowidAlias).toBe('id');
  });

  it('reads partial and expression indexes with DESC and collations', () => {
    const db = openWith(`
      CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, n INT, d TEXT);
      CREATE INDEX t_expr ON t (lower(d) DESC, n, name COLLATE RTRIM) WHERE n > 0 AND d IS NOT NULL;
      CREATE UNIQUE INDEX t_name ON t (name);
      CREATE INDEX "t ( weird, index" ON t (substr(d, 1, 4), (n + 1));
    `);
    const t = introspect(db).tables[0]!;
    const expr = t.indexes.find((i) => i.name === 't_expr')!;
    expect(expr.where).toBe('n > 0 AND d IS NOT NULL');
    expect(expr.parts).toEqual([
      { column: null, expression: 'lower(d)', descending: true, collation: null },
      { column: 'n', expression: null, descending: false, collation: null },
      { column: 'name', expression: null, descending: false, collation: 'RTRIM' },
    ]);
    expect(t.indexes.find((i) => i.name === 't_name')!.parts[0]!.collation).toBe('NOCASE');
    expect(t.columns.find((c) => c.name === 'name')!.collation).toBe('NOCASE');
    const weird = t.indexes.find((i) => i.name === 't ( weird, index')!;
    expect(weird.parts.map((p) => p.expression)).toEqual(['substr(d, 1, 4)', '(n + 1)']);
  });

  it('reads generated columns, CHECKs with names, defaults and deferred foreign keys', () => {
    const db = openWith(`
      CREATE TABLE p (id INTEGER PRIMARY KEY);
      CREATE TABLE c (
        id INTEGER PRIMARY KEY CONSTRAINT pos CHECK (id > 0),
        price REAL NOT NULL DEFAULT 0 CHECK (price >= 0),
        qty INT DEFAULT (1 + 1),
        total REAL GENERATED ALWAYS AS (price * qty) STORED,
        label TEXT AS (upper('x' || qty)),
        pid INT REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED,
        pid2 INT,
        created TEXT DEFAULT CURRENT_TIMESTAMP,
        CONSTRAINT "qty, ok" CHECK (qty BETWEEN 1 AND 10),
        CHECK ((price) < 1e6),
        FOREIGN KEY (pid2) REFERENCES p ON DELETE CASCADE
      );
    `);
    const c = introspect(db).tables.find((t) => t.name === 'c')!;
    expect(c.columns.find((x) => x.name === 'total')!.generated).toEqual({
      expression: 'price * qty',
      stored: true,
    });
    expect(c.columns.find((x) => x.name === 'label')!.generated).toEqual({
      expression: "upper('x' || qty)",
      stored: false,
    });
    expect(c.columns.find((x) => x.name === 'qty')!.defaultSql).toBe('1 + 1');
    expect(c.columns.find((x) => x.name === 'created')!.defaultSql).toBe('CURRENT_TIMESTAMP');
    expect(c.checks).toEqual([
      { name: 'pos', expression: 'id > 0' },
      { name: null, expression: 'price >= 0' },
      { name: 'qty, ok', expression: 'qty BETWEEN 1 AND 10' },
      { name: null, expression: '(price) < 1e6' },
    ]);
    const fks = [...c.foreignKeys].sort((a, b) => a.columns[0]!.localeCompare(b.columns[0]!));
    expect(fks).toMatchObject([
      {
        columns: ['pid'],
        referencedTable: 'p',
        referencedColumns: ['id'],
        deferred: true,
        onDelete: 'NO ACTION',
      },
      {
        columns: ['pid2'],
        referencedTable: 'p',
        referencedColumns: [],
        deferred: false,
        onDelete: 'CASCADE',
      },
    ]);
    expect(c.columns.map((x) => x.cid)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('works with reserved, mixed-case and quoted names', () => {
    const db = openWith(`
      CREATE TABLE "select" ("from" INTEGER PRIMARY KEY, "where" TEXT);
      CREATE TABLE """; drop table x; --" (id INTEGER PRIMARY KEY, "a""b" TEXT);
      CREATE TABLE "Mixed Case" ("Col One" TEXT, [sq col] INT, \`ba\`\`ck\` REAL, PRIMARY KEY ("Col One"));
      CREATE INDEX "idx ""q""" ON "Mixed Case" ("Col One", [sq col]);
      CREATE TABLE child (x INT REFERENCES "Mixed Case" ("Col One"));
    `);
    const s = introspect(db);
    expect(s.tables.map((t) => t.name)).toEqual(['select', '"; drop table x; --', 'Mixed Case', 'child']);
    expect(s.tables[0]!.columns.map((c) => c.name)).toEqual(['from', 'where']);
    expect(s.tables[1]!.columns.map((c) => c.name)).toEqual(['id', 'a"b']);
    const mixed = s.tables[2]!;
    expect(mixed.columns.map((c) => c.name)).toEqual(['Col One', 'sq col', 'ba`ck']);
    expect(mixed.indexes.find((i) => i.name === 'idx "q"')!.parts.map((p) => p.column)).toEqual([
      'Col One',
      'sq col',
    ]);
    expect(s.tables[3]!.foreignKeys[0]).toMatchObject({
      referencedTable: 'Mixed Case',
      referencedColumns: ['Col One'],
    });
  });

  it('reports views, skips virtual and shadow tables and litebridge tables', () => {
    const db = openWith(`
      CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT);
      CREATE VIEW v AS SELECT * FROM t;
      CREATE VIRTUAL TABLE docs USING fts5(body);
      CREATE TABLE _litebridge_changelog (seq INTEGER PRIMARY KEY);
      CREATE TABLE xlitebridge_y (id INTEGER PRIMARY KEY);
    `);
    const s = introspect(db);
    expect(s.tables.map((t) => t.name)).toEqual(['t', 'xlitebridge_y']);
    expect(s.views).toEqual([{ name: 'v', sql: 'CREATE VIEW v AS SELECT * FROM t' }]);
    expect(s.skipped.find((x) => x.name === 'docs')!.reason).toMatch(/virtual table \(module fts5\)/);
    expect(
      s.skipped
        .filter((x) => x.reason.startsWith('shadow'))
        .map((x) => x.name)
        .sort(),
    ).toEqual(['docs_config', 'docs_content', 'docs_data', 'docs_docsize', 'docs_idx']);
  });
});

import { describe, expect, test } from 'vitest';
import { BridgeError } from '../../src/errors.js';
import {
  CAPTURE_PREFIX,
  captureKeyColumns,
  captureTablesSql,
  captureTriggerNames,
  captureTriggersSql,
  isCaptureTriggerName,
  setCaptureEnabledSql,
} from '../../src/sqlite/capture-sql.js';
import { col, tbl } from './schema-helpers.js';

const NOW = "(julianday('now') - 2440587.5) * 86400000.0";
const FLAG = '(SELECT enabled FROM "_litebridge_capture")';
const WHEN = `WHEN ${FLAG}`;

/** The CREATE statements of a table's capture triggers. */
const sqlsOf = (t: Parameters<typeof captureTriggersSql>[0]): string[] =>
  captureTriggersSql(t).map((x) => x.sql);

describe('captureTablesSql', () => {
  test('creates the changelog with untyped key columns, the flag row and the meta table', () => {
    expect(captureTablesSql()).toEqual([
      'CREATE TABLE IF NOT EXISTS "_litebridge_changelog" (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, k0, k1, k2, k3, k4, k5, k6, k7, at REAL NOT NULL)',
      'CREATE TABLE IF NOT EXISTS "_litebridge_capture" (id INTEGER PRIMARY KEY CHECK (id = 1), enabled INTEGER NOT NULL)',
      'INSERT OR IGNORE INTO "_litebridge_capture" (id, enabled) VALUES (1, 1)',
      'CREATE TABLE IF NOT EXISTS "_litebridge_meta" (key TEXT PRIMARY KEY, value)',
    ]);
  });

  test('the flag statement', () => {
    expect(setCaptureEnabledSql(false)).toBe('UPDATE "_litebridge_capture" SET enabled = 0 WHERE id = 1');
    expect(setCaptureEnabledSql(true)).toBe('UPDATE "_litebridge_capture" SET enabled = 1 WHERE id = 1');
  });
});

describe('captureTriggersSql', () => {
  test('golden SQL for a small table', () => {
    const t = tbl('t', [col('id', 'INTEGER', { pkPosition: 1 }), col('v', 'TEXT')]);
    const into = 'INSERT INTO "_litebridge_changelog" (tbl, op, k0, at)';
    const changed = 'OLD."id" IS NOT NEW."id" COLLATE BINARY';
    expect(sqlsOf(t)).toEqual([
      `CREATE TRIGGER "_litebridge_t_ins" AFTER INSERT ON "t" FOR EACH ROW ${WHEN}\nBEGIN\n  ${into} VALUES ('t', 'I', NEW."id", ${NOW});\nEND`,
      `CREATE TRIGGER "_litebridge_t_upd" AFTER UPDATE ON "t" FOR EACH ROW WHEN NOT (${changed}) AND ${FLAG}\nBEGIN\n` +
        `  ${into} VALUES ('t', 'U', NEW."id", ${NOW});\nEND`,
      `CREATE TRIGGER "_litebridge_t_del" AFTER DELETE ON "t" FOR EACH ROW ${WHEN}\nBEGIN\n  ${into} VALUES ('t', 'D', OLD."id", ${NOW});\nEND`,
      `CREATE TRIGGER "_litebridge_t_upk" AFTER UPDATE OF "id", "rowid", "_rowid_", "oid" ON "t" FOR EACH ROW WHEN (${changed}) AND ${FLAG}\nBEGIN\n` +
        `  ${into} VALUES ('t', 'D', OLD."id", ${NOW});\n` +
        `  ${into} VALUES ('t', 'I', NEW."id", ${NOW});\nEND`,
    ]);
  });

  test('never names a non-key column', () => {
    const t = tbl('t', [col('id', 'INTEGER', { pkPosition: 1 }), col('secret_payload', 'BLOB')]);
    for (const sql of sqlsOf(t)) expect(sql).not.toContain('secret_payload');
    for (const sql of sqlsOf(t)) expect(sql).not.toMatch(/json_/i);
  });

  test('composite key: columns in primary key order, not column order', () => {
    const t = tbl('pairs', [
      col('a', 'TEXT', { pkPosition: 2 }),
      col('b', 'BLOB', { pkPosition: 1 }),
      col('x', ''),
    ]);
    expect(captureKeyColumns(t)).toEqual(['b', 'a']);
    const [ins, upd, del, upk] = sqlsOf(t);
    expect(ins).toContain(`(tbl, op, k0, k1, at) VALUES ('pairs', 'I', NEW."b", NEW."a", ${NOW})`);
    const changed = 'OLD."b" IS NOT NEW."b" COLLATE BINARY OR OLD."a" IS NOT NEW."a" COLLATE BINARY';
    expect(upd).toContain(`WHEN NOT (${changed}) AND`);
    expect(upk).toContain(
      `AFTER UPDATE OF "b", "a", "rowid", "_rowid_", "oid" ON "pairs" FOR EACH ROW WHEN (${changed}) AND`,
    );
    expect(del).toContain(`VALUES ('pairs', 'D', OLD."b", OLD."a", ${NOW})`);
  });

  test('rowid table: keyed by an unshadowed rowid name', () => {
    expect(captureKeyColumns(tbl('r', [col('v', 'TEXT')]))).toEqual(['rowid']);
    expect(captureKeyColumns(tbl('r', [col('RowId', 'TEXT')]))).toEqual(['_rowid_']);
    expect(captureKeyColumns(tbl('r', [col('rowid', ''), col('_rowid_', '')]))).toEqual(['oid']);
    expect(sqlsOf(tbl('r', [col('rowid', 'TEXT')]))[0]).toContain(`'I', NEW."_rowid_", ${NOW}`);
    expect(() => captureKeyColumns(tbl('r', [col('rowid', ''), col('_rowid_', ''), col('oid', '')]))).toThrow(
      BridgeError,
    );
  });

  test('odd table names are quoted as identifiers and as literals', () => {
    const name = '"; drop table x; --';
    const [ins] = sqlsOf(tbl(name, [col('id', 'INTEGER', { pkPosition: 1 })]));
    expect(ins).toContain(`AFTER INSERT ON """; drop table x; --" FOR EACH ROW`);
    expect(ins).toContain(`VALUES ('"; drop table x; --', 'I'`);
    const [quote] = sqlsOf(tbl("it's", [col('id', 'INTEGER', { pkPosition: 1 })]));
    expect(quote).toContain(`ON "it's" FOR EACH ROW`);
    expect(quote).toContain(`VALUES ('it''s', 'I'`);
    const [select] = sqlsOf(tbl('select', [col('from', 'TEXT', { pkPosition: 1 })]));
    expect(select).toContain('CREATE TRIGGER "_litebridge_select_ins" AFTER INSERT ON "select"');
    expect(select).toContain('NEW."from"');
  });

  test('more than 8 key columns: refused naming the table', () => {
    const cols = Array.from({ length: 9 }, (_, i) => col(`c${i}`, 'INTEGER', { pkPosition: i + 1 }));
    const t = tbl('wide', cols);
    expect(() => sqlsOf(t)).toThrow(/wide/);
    try {
      sqlsOf(t);
    } catch (error) {
      expect((error as BridgeError).code).toBe('DATA');
    }
    expect(sqlsOf(tbl('eight', cols.slice(0, 8)))[0]).toContain('k7, at)');
  });
});

describe('captureTriggerNames', () => {
  test('plain short names stay readable', () => {
    expect(captureTriggerNames('flights')).toEqual({
      ins: '_litebridge_flights_ins',
      upd: '_litebridge_flights_upd',
      updKey: '_litebridge_flights_upk',
      del: '_litebridge_flights_del',
      replaceIns: '_litebridge_flights_rpi',
      replaceUpd: '_litebridge_flights_rpu',
    });
  });

  test('odd or long names: sanitized, hashed, bounded, distinct', () => {
    const names = ['a b', 'a_b', 'a-b', 'ä b', '"; drop table x; --', 'x'.repeat(300), `${'x'.repeat(300)}y`];
    const ins = names.map((n) => captureTriggerNames(n).ins);
    expect(new Set(ins).size).toBe(names.length);
    for (const n of ins) {
      expect(n).toMatch(/^_litebridge_[A-Za-z0-9_]+_ins$/);
      expect(n.length).toBeLessThanOrEqual(CAPTURE_PREFIX.length + 40 + 9 + 4);
      expect(isCaptureTriggerName(n)).toBe(true);
    }
    expect(isCaptureTriggerName('_litebridge_fence_t')).toBe(false);
    expect(isCaptureTriggerName('app_trigger_ins')).toBe(false);
  });
});

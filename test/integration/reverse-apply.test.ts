import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/config/config.js';
import type { PgRowChange, PgTransaction } from '../../src/model/pg-transaction.js';
import { introspect } from '../../src/schema/introspect.js';
import { translate } from '../../src/schema/translate.js';
import { installCaptureFor } from '../../src/sqlite/capture.js';
import { captureTriggerNames } from '../../src/sqlite/capture-sql.js';
import { openSqlite, type SqliteDatabase } from '../../src/sqlite/open.js';
import {
  applyReverseTransaction,
  type ReversePlan,
  readReverseLsn,
  reversePlan,
  setReverseStart,
} from '../../src/sqlite/reverse-apply.js';
import { RowWriter } from '../../src/sqlite/reverse-rows.js';
import { tempSqlite } from '../support/sqlite.js';

const flights = { schema: 'public', name: 'flights' };

function setup(): { db: SqliteDatabase; plan: ReversePlan } {
  const file = tempSqlite('apply.db');
  const init = new Database(file);
  init.pragma('journal_mode = WAL');
  init.exec(`
    CREATE TABLE flights (id INTEGER PRIMARY KEY, callsign TEXT NOT NULL, altitude INTEGER, route TEXT,
                          seen DATETIME, code TEXT GENERATED ALWAYS AS (upper(callsign)) VIRTUAL);
    INSERT INTO flights (id, callsign, altitude, route) VALUES (1, 'dlh1', 100, 'EDDF EGLL');
  `);
  init.close();
  const db = openSqlite(file);
  const source = introspect(db);
  const target = translate(source, DEFAULT_TRANSLATE_OPTIONS);
  installCaptureFor(db, source, target, { sourceId: 'apply' });
  setReverseStart(db, '0/100');
  return { db, plan: reversePlan(source, target) };
}

let xid = 1000;
function tx(endLsn: string, ...changes: PgRowChange[]): PgTransaction {
  return { xid: xid++, commitLsn: endLsn, endLsn, changes };
}

const all = (db: SqliteDatabase) =>
  db.prepare('SELECT id, callsign, altitude, route, seen FROM flights ORDER BY id').all();
const changelog = (db: SqliteDatabase) =>
  db.prepare('SELECT count(*) AS n FROM _litebridge_changelog').pluck().get() as bigint;

describe('applyReverseTransaction', () => {
  it('applies a transaction once: re-delivery (same or earlier LSN) changes nothing', () => {
    const { db, plan } = setup();
    const t1 = tx(
      '0/200',
      {
        kind: 'insert',
        relation: flights,
        new: {
          id: '2',
          callsign: 'baw2',
          altitude: '200',
          route: null,
          seen: '2025-07-23 19:47:09.319724',
          code: 'BAW2',
        },
      },
      {
        kind: 'update',
        relation: flights,
        old: null,
        new: { id: '1', callsign: 'dlh1', altitude: '150', route: undefined, seen: null, code: 'DLH1' },
      },
      {
        kind: 'update',
        relation: flights,
        old: { id: '2' },
        new: { id: '3', callsign: 'baw3', altitude: '300', route: null, seen: null, code: 'BAW3' },
      },
      { kind: 'delete', relation: flights, old: { id: '1' } },
    );
    expect(applyReverseTransaction(db, plan, t1)).toEqual({ applied: true, rows: 4 });
    const after = all(db);
    expect(after).toEqual([{ id: 3n, callsign: 'baw3', altitude: 300n, route: null, seen: null }]);
    expect(readReverseLsn(db)).toBe('0/200');

    expect(applyReverseTransaction(db, plan, t1)).toEqual({ applied: false, rows: 0 });
    expect(applyReverseTransaction(db, plan, tx('0/1FF'))).toEqual({ applied: false, rows: 0 });
    expect(all(db)).toEqual(after);

    // Even when the stored position is behind (a crash between commit and acknowledgement cannot
    // cause this, but a manual reset can), applying the same changes again ends in the same state.
    setReverseStart(db, '0/150');
    expect(applyReverseTransaction(db, plan, t1).applied).toBe(true);
    expect(all(db)).toEqual(after);
    expect(changelog(db)).toBe(0n);
  });

  it('keeps columns PostgreSQL did not send (unchanged TOAST), also when the key changes', () => {
    const { db, plan } = setup();
    applyReverseTransaction(
      db,
      plan,
      tx('0/200', {
        kind: 'update',
        relation: flights,
        old: { id: '1' },
        new: { id: '7', callsign: 'dlh7', altitude: '1', route: undefined, seen: null },
      }),
    );
    expect(all(db)).toEqual([{ id: 7n, callsign: 'dlh7', altitude: 1n, route: 'EDDF EGLL', seen: null }]);
  });

  it('mutes capture inside its transaction only, and keeps a flag that was off', () => {
    const { db, plan } = setup();
    applyReverseTransaction(db, plan, tx('0/200', { kind: 'truncate', relations: [flights] }));
    expect(all(db)).toEqual([]);
    expect(changelog(db)).toBe(0n);
    expect(db.prepare('SELECT enabled FROM _litebridge_capture').pluck().get()).toBe(1n);
    db.exec("INSERT INTO flights (id, callsign) VALUES (9, 'app')");
    expect(changelog(db)).toBe(1n);

    db.exec('UPDATE _litebridge_capture SET enabled = 0');
    applyReverseTransaction(db, plan, tx('0/300', { kind: 'delete', relation: flights, old: { id: '9' } }));
    expect(db.prepare('SELECT enabled FROM _litebridge_capture').pluck().get()).toBe(0n);
  });

  it('refuses, writing nothing, a row it cannot complete, a value SQLite cannot hold, an unknown column', () => {
    const { db, plan } = setup();
    const before = all(db);
    const missingRow = tx(
      '0/200',
      {
        kind: 'insert',
        relation: flights,
        new: { id: '5', callsign: 'x', altitude: null, route: null, seen: null },
      },
      {
        kind: 'update',
        relation: flights,
        old: null,
        new: { id: '4', callsign: 'y', altitude: '1', route: undefined, seen: null },
      },
    );
    expect(() => applyReverseTransaction(db, plan, missingRow)).toThrow(
      /row "flights" key \(4\) is missing in SQLite.*"route"/,
    );
    const badValue = tx('0/200', {
      kind: 'insert',
      relation: flights,
      new: { id: '6', callsign: 'z', altitude: null, route: null, seen: 'infinity' },
    });
    expect(() => applyReverseTransaction(db, plan, badValue)).toThrow(
      expect.objectContaining({
        code: 'DATA',
        details: expect.objectContaining({ table: 'flights', column: 'seen', key: '(6)' }),
      }),
    );
    const unknown = tx('0/200', {
      kind: 'insert',
      relation: flights,
      new: { id: '6', callsign: 'z', wings: '2' },
    });
    expect(() => applyReverseTransaction(db, plan, unknown)).toThrow(
      /PostgreSQL column "wings" of table "flights"/,
    );
    const table = tx('0/200', {
      kind: 'delete',
      relation: { schema: 'public', name: 'gates' },
      old: { id: '1' },
    });
    expect(() => applyReverseTransaction(db, plan, table)).toThrow(
      /"public"."gates" is published but has no SQLite table/,
    );
    expect(all(db)).toEqual(before);
    expect(readReverseLsn(db)).toBe('0/100');
    expect(changelog(db)).toBe(0n);
  });

  it('sets every capture trigger of a table aside after 10,000 of its rows, and puts each back unchanged', () => {
    const { db, plan } = setup();
    const names = Object.values(captureTriggerNames('flights'));
    const present = () =>
      db
        .prepare(
          `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (${names.map(() => '?').join(', ')}) ORDER BY name`,
        )
        .all(...names);
    const before = present();
    expect(before).toHaveLength(4); // insert, update keeping the key, key change, delete
    db.exec('BEGIN IMMEDIATE');
    const writer = new RowWriter(db, plan, { xid: xid++, commitLsn: '0/200' });
    for (let id = 10; id < 10_011; id++) {
      writer.apply({
        kind: 'insert',
        relation: flights,
        new: { id: String(id), callsign: 'x', altitude: null, route: null, seen: null, code: 'X' },
      });
    }
    expect(present()).toEqual([]);
    writer.finish();
    db.exec('COMMIT');
    expect(present()).toEqual(before);
  });
});

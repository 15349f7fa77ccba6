import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { introspect } from '../../src/schema/introspect.js';
import {
  captureFingerprint,
  captureState,
  installCapture,
  setCaptureEnabled,
} from '../../src/sqlite/capture.js';
import { isCaptureTriggerName } from '../../src/sqlite/capture-sql.js';
import { fenceState, finishFence, installFence, removeFence } from '../../src/sqlite/fence.js';
import { fenceTriggerNames, isFenceTriggerName } from '../../src/sqlite/fence-sql.js';
import { openSqlite } from '../../src/sqlite/open.js';
import { tempSqlite } from '../support/sqlite.js';

const DDL = `
  CREATE TABLE flights (id INTEGER PRIMARY KEY, callsign TEXT UNIQUE, altitude INTEGER);
  CREATE TABLE "odd ""name""" (k TEXT PRIMARY KEY, v TEXT);
  INSERT INTO flights VALUES (1, 'DLH500', 35000);
`;

/** A captured file and a second connection playing the application. */
function fencedFile() {
  const path = tempSqlite();
  new Database(path).close();
  const db = openSqlite(path);
  db.pragma('journal_mode = WAL');
  db.exec(DDL);
  installCapture(db, introspect(db), { sourceId: 'fence' });
  const app = new Database(path);
  return { db, app, tables: ['flights', 'odd "name"'] };
}

describe('write fence', () => {
  test('its trigger names are never capture trigger names', () => {
    for (const table of ['flights', 'x_fence', 'a'.repeat(80), 'odd "name"', 'ins']) {
      for (const name of Object.values(fenceTriggerNames(table))) {
        expect(isFenceTriggerName(name)).toBe(true);
        expect(isCaptureTriggerName(name)).toBe(false);
      }
    }
    expect(isFenceTriggerName('_litebridge_flights_ins')).toBe(false);
  });

  test("refuses the application's writes with a message naming PostgreSQL and the time", () => {
    const { db, app, tables } = fencedFile();
    const at = new Date('2026-01-02T03:04:05.678Z');
    expect(installFence(db, tables, at)).toEqual({ at, created: 6 });
    const refused = [
      "INSERT INTO flights VALUES (2, 'BAW1', 0)",
      'UPDATE flights SET altitude = 1 WHERE id = 1',
      'DELETE FROM flights',
      `INSERT INTO "odd ""name""" VALUES ('a', 'b')`,
    ];
    for (const sql of refused) {
      expect(() => app.exec(sql)).toThrow(/moved to PostgreSQL at 2026-01-02T03:04:05\.678Z/);
    }
    expect(app.prepare('SELECT count(*) AS n FROM flights').get()).toEqual({ n: 1 });
    // Reads go on, and nothing was captured.
    expect(captureState(db).head).toBe(0n);
    expect(fenceState(db)).toEqual({ triggers: 6, installed: true, at });
  });

  test('reverse replication (capture muted in its transaction) passes, and stays uncaptured', () => {
    const { db, app, tables } = fencedFile();
    installFence(db, tables);
    const headBefore = captureState(db).head;
    db.transaction(() => {
      setCaptureEnabled(db, false);
      db.exec("INSERT INTO flights VALUES (7, 'FROM_PG', 1)");
      db.exec('UPDATE flights SET altitude = 2 WHERE id = 1');
      setCaptureEnabled(db, true);
    }).immediate();
    expect(app.prepare('SELECT count(*) AS n FROM flights').get()).toEqual({ n: 2 });
    expect(captureState(db)).toMatchObject({ head: headBefore, enabled: true });
    expect(() => app.exec('DELETE FROM flights WHERE id = 7')).toThrow(/moved to PostgreSQL/);
  });

  test("capture's install and fingerprint leave the fence alone; a second install keeps the first time", () => {
    const { db, tables } = fencedFile();
    const before = captureFingerprint(db);
    const first = installFence(db, tables, new Date('2026-01-01T00:00:00Z'));
    const after = captureFingerprint(db);
    // The schema version moved (triggers were created) but the capture triggers did not.
    expect(after).not.toBe(before);
    expect(after.split(':')[1]).toBe(before.split(':')[1]);
    expect(installCapture(db, introspect(db), { sourceId: 'fence' })).toEqual({ created: 0, dropped: 0 });
    expect(fenceState(db).triggers).toBe(6);
    expect(installFence(db, tables, new Date('2027-01-01T00:00:00Z'))).toEqual({ at: first.at, created: 0 });
  });

  test('removeFence lets the application write again', () => {
    const { db, app, tables } = fencedFile();
    installFence(db, tables);
    expect(removeFence(db)).toBe(6);
    app.exec("INSERT INTO flights VALUES (2, 'BAW1', 0)");
    expect(fenceState(db)).toEqual({ triggers: 0, installed: false, at: null });
    expect(captureState(db).head).toBe(1n);
  });

  test('finishFence removes capture and leaves a fence that refuses every write', () => {
    const { db, app, tables } = fencedFile();
    installFence(db, tables);
    expect(finishFence(db, tables, new Date('2026-05-05T00:00:00Z'))).toBe(6);
    expect(captureState(db).installed).toBe(false);
    expect(captureState(db).triggers).toBe(0);
    expect(fenceState(db).triggers).toBe(6);
    expect(() => app.exec("INSERT INTO flights VALUES (3, 'X', 0)")).toThrow(
      /moved to PostgreSQL at 2026-05-05/,
    );
  });
});

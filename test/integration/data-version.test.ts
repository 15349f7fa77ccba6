import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DataVersion } from '../../src/sqlite/data-version.js';
import { openSqlite } from '../../src/sqlite/open.js';
import { tempSqlite } from '../support/sqlite.js';

describe('DataVersion', () => {
  it("says when another connection committed since the mark, and not for the connection's own writes", () => {
    const path = tempSqlite();
    const app = new Database(path);
    app.pragma('journal_mode = WAL');
    app.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const db = openSqlite(path);
    try {
      const versions = new DataVersion(db);
      expect(versions.changedSinceMark()).toBe(false);

      app.prepare('INSERT INTO t (v) VALUES (?)').run('a');
      expect(versions.changedSinceMark()).toBe(true);
      // It stays raised until the next mark (a wake-up dropped meanwhile is raised again).
      expect(versions.changedSinceMark()).toBe(true);
      versions.mark();
      expect(versions.changedSinceMark()).toBe(false);

      // A rolled-back transaction of the application changes nothing.
      app.exec('BEGIN; INSERT INTO t (v) VALUES (1); ROLLBACK');
      expect(versions.changedSinceMark()).toBe(false);

      // Its own writes (e.g. pruning the changelog) do not wake sync up.
      db.prepare('INSERT INTO t (v) VALUES (?)').run('own');
      expect(versions.changedSinceMark()).toBe(false);
    } finally {
      db.close();
      app.close();
    }
  });
});

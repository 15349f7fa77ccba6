import Database from 'better-sqlite3';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { runSync } from '../../src/pipeline/run-sync.js';
import { snapshot, verify } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();

function walFile(name: string): string {
  const file = tempSqlite(`${name}.db`);
  const s = new Database(file);
  s.pragma('journal_mode = WAL');
  s.exec(`
    CREATE TABLE flights (id INTEGER PRIMARY KEY, callsign TEXT NOT NULL UNIQUE, altitude INTEGER, seen DATETIME);
    CREATE TABLE movements (airport TEXT NOT NULL, at DATETIME NOT NULL, kind TEXT, PRIMARY KEY (airport, at)) WITHOUT ROWID;
    CREATE TABLE notes (body TEXT);
    INSERT INTO flights VALUES (1, 'DLH500', 35000, '2025-07-23 19:47:09.319724'), (2, 'QFA1', 0, NULL);
    INSERT INTO movements VALUES ('YSSY', '2025-07-23 10:00:00', 'arrival');
    INSERT INTO notes VALUES ('first');
  `);
  s.close();
  return file;
}

/** Starts sync in this process; returns a stop function resolving with its result. */
function startSync(file: string, url: string, schema: string) {
  const shutdown$ = new Subject<void>();
  const applied: bigint[] = [];
  const config = loadConfig({ sqlite: file, pg: url, schema }, {});
  const done = runSync(config, silentLogger, { shutdown$, pollMs: 50, onBatch: (b) => applied.push(b.upTo) });
  return {
    applied,
    done,
    stop: async () => {
      shutdown$.next();
      return done;
    },
  };
}

describe('live sync', () => {
  it('snapshots, then keeps PostgreSQL equal to SQLite through every kind of write', async () => {
    const file = walFile('forms');
    const sync = startSync(file, db.url(), 'forms');
    const equal = async () => (await verify(file, db.url(), { schema: 'forms' })).equal;
    await until(equal);

    const app = new Database(file);
    app.pragma('foreign_keys = OFF');
    app.exec(`
      INSERT INTO flights VALUES (3, 'BAW1', 1200, '2025-07-23T21:00:00+02:00');
      UPDATE flights SET altitude = 36000 WHERE id = 1;
      UPDATE flights SET id = 10 WHERE id = 2;
      DELETE FROM flights WHERE id = 3;
      INSERT OR REPLACE INTO flights VALUES (1, 'DLH500', 37000, NULL);
      INSERT INTO flights VALUES (4, 'AAL2', 100, NULL) ON CONFLICT (id) DO UPDATE SET altitude = excluded.altitude;
      REPLACE INTO flights VALUES (5, 'AAL2', 200, NULL);
      INSERT INTO movements VALUES ('YSSY', '2025-07-23 11:00:00', 'departure');
      UPDATE movements SET kind = 'go-around' WHERE airport = 'YSSY' AND at = '2025-07-23 10:00:00';
      INSERT INTO notes VALUES ('second');
      DELETE FROM notes WHERE body = 'first';
    `);
    app.exec('BEGIN');
    app.exec("INSERT INTO flights VALUES (99, 'ROLLED', 1, NULL)");
    app.exec('ROLLBACK');
    const many = app.prepare('INSERT INTO flights (callsign, altitude) VALUES (?, ?)');
    app.transaction(() => {
      for (let i = 0; i < 5000; i++) many.run(`BULK${i}`, i);
    })();
    app.close();

    await until(equal);
    const gone = await db.query(
      "SELECT count(*)::int AS n FROM forms.flights WHERE callsign IN ('ROLLED') OR id = 4",
    );
    expect(gone.rows[0]?.n).toBe(0); // rolled back; and id 4 lost AAL2 to REPLACE's collision
    const result = await sync.stop();
    expect(result.snapshotted).toBe(true);
    expect(BigInt(result.checkpoint)).toBeGreaterThan(0n);
    expect(sync.applied.length).toBeGreaterThan(0);
  });

  it("resumes from PostgreSQL's checkpoint after a stop, without a new snapshot", async () => {
    const file = walFile('resume');
    const equal = async () => (await verify(file, db.url(), { schema: 'resume' })).equal;
    const first = startSync(file, db.url(), 'resume');
    await until(equal);
    await first.stop();

    const app = new Database(file);
    app.exec("INSERT INTO flights VALUES (50, 'WHILE_STOPPED', 1, NULL); DELETE FROM flights WHERE id = 1");
    app.close();
    expect(await equal()).toBe(false);

    const second = startSync(file, db.url(), 'resume');
    await until(equal);
    const result = await second.stop();
    expect(result.snapshotted).toBe(false);
  });

  it('re-snapshots when the last snapshot was taken without capture, and status shows the backlog', async () => {
    const file = walFile('late');
    await snapshot(file, db.url(), { schema: 'late' });
    const app = new Database(file);
    app.exec("INSERT INTO flights VALUES (60, 'BEFORE_CAPTURE', 1, NULL)");
    app.close();
    const sync = startSync(file, db.url(), 'late');
    const equal = async () => (await verify(file, db.url(), { schema: 'late' })).equal;
    await until(equal);
    const result = await sync.stop();
    expect(result.snapshotted).toBe(true);

    const writer = new Database(file);
    const writing = Date.now();
    writer.exec(
      "INSERT INTO flights VALUES (61, 'WAITING', 1, NULL); INSERT INTO flights VALUES (62, 'WAITING2', 1, NULL)",
    );
    const written = Date.now();
    writer.close();
    await new Promise((r) => setTimeout(r, 50)); // the waiting events age before status reads them
    let out = '';
    process.env.LITEBRIDGE_LOG_LEVEL = 'silent';
    const asked = Date.now();
    const code = await main(['status', '--sqlite', file, '--pg', db.url(), '--schema', 'late', '--json'], {
      out: (t) => (out += t),
      err: () => undefined,
    });
    const answered = Date.now();
    expect(code).toBe(0);
    const status = JSON.parse(out);
    expect(status).toMatchObject({
      snapshot: 'done',
      captureInstalled: true,
      backlog: 2,
      checkpoint: result.checkpoint,
    });
    expect(BigInt(status.head)).toBe(BigInt(result.checkpoint) + 2n);
    // The age in ms of the oldest waiting event, from its capture time to when status read the
    // clock: more than it had aged when status was asked, less than since it was written.
    // (1 ms of slack: SQLite's clock has millisecond resolution.)
    expect(status.lagMs).toBeGreaterThanOrEqual(asked - written - 1);
    expect(status.lagMs).toBeLessThanOrEqual(answered - writing + 1);

    const removed = await main(['uninstall', '--sqlite', file], {
      out: () => undefined,
      err: () => undefined,
    });
    expect(removed).toBe(0);
    const left = new Database(file, { readonly: true });
    const objects = left
      .prepare("SELECT name FROM sqlite_schema WHERE name LIKE '\\_litebridge\\_%' ESCAPE '\\'")
      .all();
    const rows = left.prepare('SELECT count(*) AS n FROM flights').get() as { n: number };
    left.close();
    expect(objects).toEqual([]);
    expect(rows.n).toBeGreaterThan(0); // the application's data is untouched
  });

  it('keeps applying rows that reference a parent SQLite never had (foreign keys NOT VALID)', async () => {
    const file = tempSqlite('dangling.db');
    const s = new Database(file);
    s.pragma('journal_mode = WAL');
    s.pragma('foreign_keys = OFF'); // like the collector: declared, never enforced
    s.exec(`
      CREATE TABLE controllers (id INTEGER PRIMARY KEY, callsign TEXT);
      CREATE TABLE flights (id INTEGER PRIMARY KEY, controller_id INTEGER REFERENCES controllers (id), altitude INTEGER);
      INSERT INTO controllers VALUES (1, 'EDDF_TWR');
      INSERT INTO flights VALUES (1, 1, 0), (2, 999, 0);
    `);
    s.close();
    const sync = startSync(file, db.url(), 'dangling');
    const equal = async () => (await verify(file, db.url(), { schema: 'dangling' })).equal;
    await until(equal);
    const app = new Database(file);
    app.pragma('foreign_keys = OFF');
    app.exec('UPDATE flights SET altitude = 35000 WHERE id = 2; INSERT INTO flights VALUES (3, 777, 100)');
    app.close();
    await until(equal);
    await sync.stop();
    const fk = await db.query<{ convalidated: boolean }>(
      "SELECT convalidated FROM pg_constraint WHERE conrelid = 'dangling.flights'::regclass AND contype = 'f'",
    );
    expect(fk.rows).toEqual([{ convalidated: false }]); // still there, still NOT VALID
  });

  it('follows tables and columns the application adds while sync runs, and while it is stopped', async () => {
    const file = walFile('grow');
    const equal = async () => (await verify(file, db.url(), { schema: 'grow' })).equal;
    const first = startSync(file, db.url(), 'grow');
    await until(equal);
    const app = new Database(file);
    app.exec(`ALTER TABLE flights ADD COLUMN squawk TEXT DEFAULT '2000';
      INSERT INTO flights (callsign, squawk) VALUES ('NEW', '7000');
      CREATE TABLE sectors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
      INSERT INTO sectors VALUES (1, 'EDGG'), (2, 'LFFF')`);
    await until(
      async () =>
        (await equal()) && (await db.query("SELECT to_regclass('grow.sectors') AS t")).rows[0]?.t !== null,
    );
    app.exec("INSERT INTO sectors VALUES (3, 'EGTT'); UPDATE flights SET squawk = '7700' WHERE id = 1");
    await until(equal);
    expect((await first.stop()).snapshotted).toBe(true);

    app.exec("ALTER TABLE movements ADD COLUMN runway TEXT; UPDATE movements SET runway = '34L'");
    app.close();
    const second = startSync(file, db.url(), 'grow');
    await until(equal);
    expect((await second.stop()).snapshotted).toBe(false);
    const squawks = await db.query('SELECT id, squawk FROM grow.flights WHERE id IN (1, 2) ORDER BY id');
    expect(squawks.rows).toEqual([
      { id: '1', squawk: '7700' },
      { id: '2', squawk: '2000' }, // the default fills existing rows, as in SQLite
    ]);
  });

  it('copies again a new table PostgreSQL already had (copied before its capture was installed)', async () => {
    const file = walFile('early');
    const equal = async () => (await verify(file, db.url(), { schema: 'early' })).equal;
    const sync = startSync(file, db.url(), 'early');
    await until(equal);
    // As a snapshot that began while the application created the table would leave it: copied
    // at an earlier point, rows written before capture reached it missing, one since deleted.
    await db.query(`CREATE TABLE early.sectors (id bigint PRIMARY KEY, name text NOT NULL);
      INSERT INTO early.sectors VALUES (1, 'EDGG'), (9, 'deleted since')`);
    const app = new Database(file);
    app.exec(
      "CREATE TABLE sectors (id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO sectors VALUES (1, 'EDGG'), (2, 'LFFF')",
    );
    app.close();
    await until(equal, 10_000);
    const rows = await db.query('SELECT id, name FROM early.sectors ORDER BY id');
    expect(rows.rows).toEqual([
      { id: '1', name: 'EDGG' },
      { id: '2', name: 'LFFF' },
    ]);
    await sync.stop();
  });

  it('stops with what changed when a column is dropped under it, never capturing silently', async () => {
    const file = walFile('shrink');
    const sync = startSync(file, db.url(), 'shrink');
    await until(async () => (await verify(file, db.url(), { schema: 'shrink' })).equal);
    const app = new Database(file);
    app.exec("ALTER TABLE flights DROP COLUMN altitude; INSERT INTO flights (callsign) VALUES ('NEW')");
    app.close();
    const error = await sync.done.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_STATE' });
    expect(String((error as Error).message)).toMatch(/column "flights"\."altitude" was dropped or renamed/);
  });

  it('stops when a capture trigger is dropped under it (as a table rebuild does), though no table or column changed', async () => {
    const file = walFile('rebuilt');
    const sync = startSync(file, db.url(), 'rebuilt');
    await until(async () => (await verify(file, db.url(), { schema: 'rebuilt' })).equal);
    const app = new Database(file);
    const trigger = app
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'flights' AND name LIKE '%upd'",
      )
      .pluck()
      .get() as string;
    app.exec(`DROP TRIGGER "${trigger}"; UPDATE flights SET altitude = 1`);
    app.close();
    const error = await sync.done.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_STATE' });
    expect(String((error as Error).message)).toMatch(/capture triggers were changed or dropped/);
  });

  it('stops naming every change it cannot follow when several arrive in one call, and the command to recover', async () => {
    const file = walFile('unfollowable');
    const setup = new Database(file);
    setup.exec('CREATE INDEX flights_seen ON flights (seen)');
    setup.close();
    const sync = startSync(file, db.url(), 'unfollowable');
    await until(async () => (await verify(file, db.url(), { schema: 'unfollowable' })).equal);
    const app = new Database(file);
    app.exec(`ALTER TABLE flights DROP COLUMN altitude;
      ALTER TABLE notes RENAME TO memos;
      DROP INDEX flights_seen;
      ALTER TABLE movements ADD COLUMN runway TEXT;
      INSERT INTO flights (callsign) VALUES ('NEW')`);
    app.close();
    const error = await sync.done.catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'BAD_STATE',
      hint: expect.stringMatching(/litebridge snapshot --replace/),
    });
    const message = String((error as Error).message);
    expect(message).toMatch(/column "flights"\."altitude" was dropped or renamed/);
    expect(message).toMatch(/table "notes" was dropped or renamed/);
    expect(message).toMatch(/index "flights_seen" on "flights" was dropped/);
    expect((error as { details?: { additions?: string[] } }).details?.additions).toEqual(
      expect.arrayContaining(['table "memos" was added', 'column "movements"."runway" was added']),
    );
  });

  it('refuses a rollback-journal file and says how to switch it', async () => {
    const file = tempSqlite();
    const s = new Database(file);
    s.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    s.close();
    const config = loadConfig({ sqlite: file, pg: db.url() }, {});
    await expect(runSync(config, silentLogger)).rejects.toThrow(/WAL mode/);
  });
});

import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Subject } from 'rxjs';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runCutover } from '../../src/cutover/run-cutover.js';
import { silentLogger } from '../../src/log/logger.js';
import { runSync } from '../../src/pipeline/run-sync.js';
import { dropIdleSlots, untilSnapshotted } from '../support/cutover.js';
import {
  cli,
  dayAt,
  partitionOf,
  partitionScenario,
  partitionsJson,
  placement,
} from '../support/partition-scenario.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();
process.env.LITEBRIDGE_LOG_LEVEL = 'silent';

it('keeps partitions ahead through sync, --maintain and cutover: no in-range row in DEFAULT, no cascade in SQLite', async () => {
  await partitionScenario(db, 'keep');
}, 180_000);

it("after cutover sync's keeper moves a row that reached DEFAULT by itself, unseen by SQLite (its ON DELETE CASCADE child stays)", async () => {
  const file = tempSqlite('keeper.db');
  const app = new Database(file);
  app.pragma('journal_mode = WAL');
  app.exec(`CREATE TABLE flights (id INTEGER PRIMARY KEY, callsign TEXT NOT NULL, at DATETIME NOT NULL);
    CREATE TABLE legs (id INTEGER PRIMARY KEY, flight_id INTEGER NOT NULL REFERENCES flights (id) ON DELETE CASCADE, note TEXT);
    INSERT INTO flights VALUES (1, 'NOW', '${dayAt(0)}');`);
  const configFile = tempSqlite('keeper.json');
  writeFileSync(configFile, JSON.stringify({ partitions: { flights: { column: 'at', interval: 'day' } } }));
  const config = loadConfig({ sqlite: file, pg: db.url(), config: configFile, schema: 'keeper' }, {});
  const args = ['--sqlite', file, '--pg', db.url(), '--config', configFile, '--schema', 'keeper'];
  const shutdown$ = new Subject<void>();
  const sync = runSync(config, silentLogger, { shutdown$, pollMs: 50, partitionEveryMs: 200 });
  sync.catch(() => undefined);
  try {
    await untilSnapshotted(db.url(), config.sourceId);
    expect((await runCutover(config, silentLogger)).status).toBe('switched');
    // Past the horizon (today + 4): DEFAULT, with a child row in the same transaction.
    await db.query(`BEGIN;
      INSERT INTO keeper.flights VALUES (2, 'AHEAD', '${dayAt(20)}');
      INSERT INTO keeper.legs VALUES (1, 2, 'keep me');
      COMMIT`);
    await until(async () => (await placement(db, 'keeper'))[2] === partitionOf(20), 30_000);
    await db.query(`UPDATE keeper.flights SET callsign = 'MOVED' WHERE id = 2`);
    await until(
      async () => app.prepare('SELECT callsign FROM flights WHERE id = 2').pluck().get() === 'MOVED',
    );
    expect(app.prepare('SELECT note FROM legs WHERE flight_id = 2').pluck().get()).toBe('keep me');
    expect((await cli(['drift-report', ...args])).code).toBe(0);
    const report = await partitionsJson(args);
    expect(report.code).toBe(0);
    expect(report.flights).toMatchObject({ defaultRows: 0, lastMaintenance: { error: null } });
  } finally {
    app.close();
    shutdown$.next();
    await sync.catch(() => undefined);
    await dropIdleSlots((sql) => db.query(sql));
  }
}, 120_000);

import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createPool } from '../../src/pg/pool.js';
import { maintainAll, partitionedTargets } from '../../src/pipeline/partitions.js';
import { snapshot } from '../support/bridge.js';
import { dayAt, partitionOf, partitionsJson } from '../support/partition-scenario.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();

/** Snapshots a SQLite file with one flight today into `flights`, partitioned by day with premake 2. */
async function snapshotOneFlight(
  name: string,
  schema?: string,
): Promise<{ file: string; configFile: string }> {
  const file = tempSqlite(`${name}.db`);
  const app = new Database(file);
  app.exec('CREATE TABLE flights (id INTEGER PRIMARY KEY, callsign TEXT NOT NULL, at DATETIME NOT NULL)');
  app.prepare('INSERT INTO flights VALUES (1, ?, ?)').run('NOW', dayAt(0));
  app.close();
  const configFile = tempSqlite(`${name}.json`);
  writeFileSync(
    configFile,
    JSON.stringify({ partitions: { flights: { column: 'at', interval: 'day', premake: 2 } } }),
  );
  await snapshot(file, db.url(), { config: configFile, ...(schema === undefined ? {} : { schema }) });
  return { file, configFile };
}

it('a writer is never queued behind maintenance waiting for a lock: lock_timeout makes maintenance give way and retry', async () => {
  const { file, configFile } = await snapshotOneFlight('locks');
  // Maintenance has work: the newest partition is gone.
  await db.query(`DROP TABLE ${partitionOf(2)}`);

  // A long transaction holds DEFAULT (an outlier row, not yet committed).
  const holder = new pg.Client({ connectionString: db.url() });
  const writer = new pg.Client({ connectionString: db.url() });
  await holder.connect();
  await writer.connect();
  const pool = createPool(db.url(), { max: 1 });
  try {
    await holder.query('BEGIN');
    await holder.query(`INSERT INTO flights VALUES (2, 'HOLD', '9999-01-01')`);
    const targets = partitionedTargets(loadConfig({ sqlite: file, pg: db.url(), config: configFile }, {}));
    const maintenance = maintainAll(pool, targets, { retention: false, retryPauseMs: 50 });
    maintenance.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // ATTACH needs DEFAULT exclusively: without lock_timeout it would wait for the holder, and
    // this writer would queue behind it until the holder ends.
    const write = writer
      .query(`INSERT INTO flights VALUES (3, 'WRITER', '9998-01-01')`)
      .then(() => 'written');
    const outcome = await Promise.race([
      write,
      new Promise((resolve) => setTimeout(() => resolve('still blocked'), 5_000)),
    ]);
    expect(outcome).toBe('written');
    await holder.query('COMMIT');
    const results = await maintenance;
    expect(results.get('public.flights')?.created).toEqual([partitionOf(2)]);
    expect((await db.query('SELECT count(*)::int AS n FROM flights')).rows[0]!.n).toBe(3);
  } finally {
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end();
    await writer.end();
    await pool.end();
  }
}, 60_000);

it('without the right to a replication origin, rows are moved out of DEFAULT only while no litebridge slot exists', async () => {
  const { file, configFile } = await snapshotOneFlight('origin', 'origin');
  // A partition lost, its row in DEFAULT; the tables belong to a role that is no superuser.
  await db.query(`BEGIN;
    ALTER TABLE origin.flights DETACH PARTITION origin.${partitionOf(2)};
    INSERT INTO origin.flights SELECT * FROM origin.${partitionOf(2)};
    DROP TABLE origin.${partitionOf(2)};
    INSERT INTO origin.flights VALUES (2, 'NEXT', '${dayAt(2)}');
    DROP ROLE IF EXISTS lb_plain;
    CREATE ROLE lb_plain LOGIN PASSWORD 'plain';
    GRANT USAGE, CREATE ON SCHEMA origin TO lb_plain;
    GRANT ALL ON SCHEMA litebridge TO lb_plain;
    GRANT ALL ON ALL TABLES IN SCHEMA litebridge TO lb_plain;
    ALTER TABLE origin.flights OWNER TO lb_plain;
    ALTER TABLE origin.flights_default OWNER TO lb_plain;
    COMMIT`);
  const url = new URL(db.url());
  url.username = 'lb_plain';
  url.password = 'plain';
  const targets = partitionedTargets(
    loadConfig({ sqlite: file, pg: db.url(), config: configFile, schema: 'origin' }, {}),
  );
  const pool = createPool(url.toString(), { max: 1 });
  try {
    await db.query(`SELECT pg_create_logical_replication_slot('litebridge_origin_test', 'pgoutput')`);
    await expect(maintainAll(pool, targets, { retention: false })).rejects.toThrow(
      /cannot move rows of table "flights" out of DEFAULT unseen by reverse replication/,
    );
    expect((await db.query('SELECT count(*)::int AS n FROM origin.flights_default')).rows[0]!.n).toBe(1);
    await db.query(`SELECT pg_drop_replication_slot('litebridge_origin_test')`);
    const results = await maintainAll(pool, targets, { retention: false });
    expect(results.get('origin.flights')).toMatchObject({ created: [partitionOf(2)], moved: 1 });
  } finally {
    await pool.end();
    await db
      .query(
        `SELECT pg_drop_replication_slot('litebridge_origin_test') FROM pg_replication_slots WHERE slot_name = 'litebridge_origin_test'`,
      )
      .catch(() => undefined);
  }
}, 60_000);

it('retention detaches partitions older than the configured intervals and keeps their tables', async () => {
  const { file, configFile } = await snapshotOneFlight('retention', 'retention');
  const app = new Database(file);
  app.prepare('INSERT INTO flights VALUES (2, ?, ?)').run('OLD', dayAt(-10));
  app.close();
  writeFileSync(
    configFile,
    JSON.stringify({ partitions: { flights: { column: 'at', interval: 'day', premake: 2, retention: 3 } } }),
  );
  await snapshot(file, db.url(), { config: configFile, schema: 'retention', replace: true });
  const args = ['--sqlite', file, '--pg', db.url(), '--config', configFile, '--schema', 'retention'];
  let report = await partitionsJson(args);
  expect(report.flights.firstPartition).toBe(partitionOf(-10));
  report = await partitionsJson(args, ['--maintain']);
  expect(report.code).toBe(0);
  // Today minus 3 days is the oldest partition kept; the older ones are standalone tables now.
  expect(report.flights.firstPartition).toBe(partitionOf(-3));
  expect(report.flights.lastMaintenance).toMatchObject({ detached: 7, error: null });
  const detached = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM retention.${partitionOf(-10)}`,
  );
  expect(detached.rows[0]!.n).toBe(1);
  expect((await db.query('SELECT count(*)::int AS n FROM retention.flights')).rows[0]!.n).toBe(1);
}, 60_000);

import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createPool } from '../../src/pg/pool.js';
import { maintainAll, partitionedTargets } from '../../src/pipeline/partitions.js';
import { snapshot } from '../support/bridge.js';
import { dayAt, partitionOf } from '../support/partition-scenario.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();

it('a writer is never queued behind maintenance waiting for a lock: lock_timeout makes maintenance give way and retry', async () => {
  const file = tempSqlite('locks.db');
  const app = new Database(file);
  app.exec('CREATE TABLE flights (id INTEGER PRIMARY KEY, callsign TEXT NOT NULL, at DATETIME NOT NULL)');
  app.prepare('INSERT INTO flights VALUES (1, ?, ?)').run('NOW', dayAt(0));
  app.close();
  const configFile = tempSqlite('locks.json');
  writeFileSync(
    configFile,
    JSON.stringify({ partitions: { flights: { column: 'at', interval: 'day', premake: 2 } } }),
  );
  await snapshot(file, db.url(), { config: configFile });
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

import { copyFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Subject } from 'rxjs';
import { expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/load.js';
import { runCutover } from '../../src/cutover/run-cutover.js';
import { runRollback } from '../../src/cutover/run-rollback.js';
import { silentLogger } from '../../src/log/logger.js';
import { runSync } from '../../src/pipeline/run-sync.js';
import { verify } from '../support/bridge.js';
import { dropIdleSlots, untilSnapshotted } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { copyFixture, tempSqlite, VATSIM_FIXTURE } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();
process.env.LITEBRIDGE_LOG_LEVEL = 'silent';

/** Runs a CLI command in this process; returns its exit code. */
async function cli(args: readonly string[]): Promise<number> {
  return main(args, { out: () => undefined, err: () => undefined });
}

it('partitioned targets: cutover, PostgreSQL writes (one moving a row across partitions) back in SQLite, rollback', async () => {
  const file = copyFixture();
  const wal = new Database(file);
  wal.pragma('journal_mode = WAL');
  wal.close();
  const configFile = tempSqlite('litebridge.json');
  writeFileSync(
    configFile,
    JSON.stringify({ partitions: { flights: { column: 'last_updated', interval: 'day' } } }),
  );
  const flags = { sqlite: file, pg: db.url(), config: configFile };
  const config = loadConfig(flags, {});
  const args = ['--sqlite', file, '--pg', db.url(), '--config', configFile];
  const equal = async () => (await verify(file, db.url(), { config: configFile })).equal;
  const shutdown$ = new Subject<void>();
  const sync = runSync(config, silentLogger, { shutdown$, pollMs: 50 });
  let failed: unknown = null;
  sync.catch((e: unknown) => {
    failed = e;
  });
  const running = async () => {
    if (failed !== null) throw failed;
    return equal();
  };
  await untilSnapshotted(db.url(), config.sourceId);
  await until(running, 60_000);
  expect(await cli(['drift-report', ...args])).toBe(0);

  expect((await runCutover(config, silentLogger)).status).toBe('switched');
  const id = (await db.query<{ id: number }>('SELECT id FROM flights ORDER BY id LIMIT 1')).rows[0]!.id;
  await db.query("UPDATE flights SET last_updated = '2025-07-25 10:00:00', altitude = 1234 WHERE id = $1", [
    id,
  ]);
  const top = (await db.query<{ m: string }>('SELECT max(id)::text AS m FROM flights')).rows[0]!.m;
  // The application inserts with a default id: the sequence the column owns was set past the max.
  const fresh = await db.query<{ id: string }>(
    "INSERT INTO flights (callsign, last_updated) VALUES ('PGNEW1', '2025-07-23 18:00:00') RETURNING id::text",
  );
  expect(BigInt(fresh.rows[0]!.id)).toBe(BigInt(top) + 1n);
  await db.query('DELETE FROM flights WHERE id = (SELECT max(id) FROM flights WHERE callsign <> $1)', [
    'PGNEW1',
  ]);
  await until(running);
  expect(await cli(['drift-report', ...args])).toBe(0);
  const app = new Database(file);
  expect(app.prepare('SELECT altitude FROM flights WHERE id = ?').pluck().get(id)).toBe(1234);

  expect((await runRollback(config, silentLogger)).status).toBe('rolled-back');
  app.prepare('UPDATE flights SET last_updated = ? WHERE id = ?').run('2025-07-23 17:45:00', id);
  await until(
    async () =>
      (await db.query('SELECT altitude FROM flights WHERE id = $1 AND last_updated < $2', [id, '2025-07-24']))
        .rowCount === 1,
  );
  await until(running);
  expect(await cli(['drift-report', ...args])).toBe(0);
  app.close();
  shutdown$.next();
  await sync;
  await dropIdleSlots(db.query);
}, 120_000);

it('a second PostgreSQL row with an id SQLite already has (another partition) stops reverse replication instead of overwriting the row', async () => {
  // Its own file name: the source id comes from it, and the first test's source is in this database.
  const file = tempSqlite('dup.db');
  copyFileSync(VATSIM_FIXTURE, file);
  const wal = new Database(file);
  wal.pragma('journal_mode = WAL');
  wal.close();
  const configFile = tempSqlite('dup.json');
  writeFileSync(
    configFile,
    JSON.stringify({ partitions: { flights: { column: 'last_updated', interval: 'day' } } }),
  );
  const config = loadConfig({ sqlite: file, pg: db.url(), config: configFile, schema: 'dup' }, {});
  const shutdown$ = new Subject<void>();
  const sync = runSync(config, silentLogger, { shutdown$, pollMs: 50 });
  sync.catch(() => undefined);
  await untilSnapshotted(db.url(), config.sourceId);
  await until(
    async () => (await verify(file, db.url(), { config: configFile, schema: 'dup' })).equal,
    60_000,
  );
  expect((await runCutover(config, silentLogger)).status).toBe('switched');
  const app = new Database(file);
  const before = app.prepare('SELECT * FROM flights ORDER BY id LIMIT 1').get() as { id: number };
  await db.query(
    "INSERT INTO dup.flights (id, callsign, last_updated) VALUES ($1, 'DUP', '2025-07-23 18:30:00')",
    [before.id],
  );
  await expect(sync).rejects.toThrow(/second row with key \(\d+\) into partitioned table "flights"/);
  expect(app.prepare('SELECT * FROM flights WHERE id = ?').get(before.id)).toEqual(before);
  app.close();
  await dropIdleSlots(db.query);
}, 120_000);

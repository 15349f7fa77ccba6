import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { useOwnServer } from '../support/own-server.js';
import { partitionScenario, type ScenarioDatabase } from '../support/partition-scenario.js';

/**
 * The partition scenario on a PostgreSQL below 17 (identity columns on partitioned tables only
 * arrived in 17): the machine's PostgreSQL 15 when installed, in its own server.
 */
process.env.LITEBRIDGE_LOG_LEVEL = 'silent';
const PG15 = process.env.LITEBRIDGE_PG15_DIR ?? '/usr/lib/postgresql/15';
const present = existsSync(`${PG15}/bin/postgres`) && existsSync(`${PG15}/bin/initdb`);
if (!present) console.warn(`partitions on PostgreSQL 15 skipped: no PostgreSQL 15 binaries in ${PG15}`);

describe.skipIf(!present)('partitions on PostgreSQL 15', () => {
  const server = useOwnServer('litebridge-pg15-', { installDir: PG15, throwaway: true });
  let pool: pg.Pool | undefined;
  let url = '';
  beforeAll(async () => {
    const started = await server.start();
    url = started.url();
    pool = new pg.Pool({ connectionString: url, max: 2 });
    // The server's stop at the end terminates an idle connection not yet closed: expected, not a failure.
    pool.on('error', () => undefined);
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
  });
  const db: ScenarioDatabase = {
    url: () => url,
    query: (sql, params) => pool!.query(sql, params === undefined ? undefined : [...params]) as never,
  };

  it('keeps partitions ahead through sync, --maintain and cutover on PostgreSQL 15', async () => {
    const version = await db.query<{ v: string }>('SHOW server_version_num');
    if (Number(version.rows[0]!.v) >= 160000)
      throw new Error(`expected PostgreSQL 15, got ${version.rows[0]!.v}`);
    await partitionScenario(db, 'keep15');
  }, 180_000);
});

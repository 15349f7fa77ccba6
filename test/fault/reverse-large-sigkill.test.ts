import pg from 'pg';
import { expect, it } from 'vitest';
import { writeLocked } from '../../bench/lib/sqlite-lock.js';
import type { Config } from '../../src/config/config.js';
import { silentLogger } from '../../src/log/logger.js';
import { parseLsn } from '../../src/model/position.js';
import { openSqlite } from '../../src/sqlite/open.js';
import { runVerify } from '../../src/verify/verify.js';
import { useTestDatabase } from '../support/pg.js';
import { until } from '../support/until.js';
import { cutOverFile, startReverse, storedLsn } from './reverse-setup.js';

const db = useTestDatabase();
const ROWS = 200_000;
const KILLS = 3;
/** Ids of the bulk rows, above any the workload or the writer uses. */
const FIRST_ID = 10_000_000;

/** Bulk rows SQLite has committed, on a connection of its own. */
function bulkRows(config: Config): number {
  const sqlite = openSqlite(config.sqlitePath, { readonly: true });
  try {
    return Number(sqlite.prepare('SELECT count(*) FROM big WHERE id >= ?').pluck().get(FIRST_ID));
  } finally {
    sqlite.close();
  }
}

/** The trigger definitions on `big` (litebridge's capture and fence triggers). */
function bigTriggers(config: Config): unknown[] {
  const sqlite = openSqlite(config.sqlitePath, { readonly: true });
  try {
    return sqlite
      .prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'big' ORDER BY name",
      )
      .all();
  } finally {
    sqlite.close();
  }
}

/** Commits `sql` as one PostgreSQL transaction; returns a position its commit record lies after. */
async function oneTransaction(sql: string): Promise<bigint> {
  const client = new pg.Client({ connectionString: db.url() });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(sql);
    const before = await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn() AS lsn');
    await client.query('COMMIT');
    return parseLsn(before.rows[0]!.lsn);
  } finally {
    await client.end();
  }
}

/**
 * SIGKILLs the reverse process up to KILLS times while it writes the transaction committed after
 * `before` into SQLite (10 to 150 ms after it took SQLite's write lock: SQLite deletes the 200k
 * rows in well under a second), restarting it each time. After a kill that came before SQLite's
 * commit, SQLite shows none of the transaction; at least one kill must have. A kill that came
 * after the commit ends the kills: the next process would have nothing to write.
 */
async function killMidTransaction(config: Config, before: bigint, rowsBefore: number): Promise<string> {
  let stderr = '';
  let midTransaction = 0;
  for (let kill = 0; kill < KILLS; kill++) {
    const reverse = startReverse(config);
    await until(() => Promise.resolve(writeLocked(config.sqlitePath)), 60_000, 10);
    await new Promise((r) => setTimeout(r, 10 + Math.floor(Math.random() * 140)));
    const killed = await reverse.kill('SIGKILL');
    stderr += killed.err;
    expect(killed.signal).toBe('SIGKILL');
    if (storedLsn(config) > before) break; // it committed first: nothing left to interrupt
    midTransaction++;
    // All or nothing: none of the rows written before the kill are visible.
    expect(bulkRows(config)).toBe(rowsBefore);
  }
  expect(midTransaction).toBeGreaterThan(0);
  return stderr;
}

it(`a ${ROWS}-row PostgreSQL transaction, its process SIGKILLed ${KILLS} times while SQLite writes it, reaches SQLite exactly once (insert, then delete)`, async () => {
  const config = await cutOverFile(db.url(), 'largekill');
  const triggers = bigTriggers(config);
  expect(triggers.length).toBeGreaterThanOrEqual(3);
  let stderr = '';

  const inserted = await oneTransaction(
    `INSERT INTO big (id, payload) SELECT ${FIRST_ID} + g, 'bulk ' || g || repeat('x', 100) FROM generate_series(1, ${ROWS}) AS g`,
  );
  stderr += await killMidTransaction(config, inserted, 0);
  // A clean stop mid-transaction rolls it back and exits 0.
  let reverse = startReverse(config);
  await until(() => Promise.resolve(writeLocked(config.sqlitePath)), 60_000, 10);
  const terminated = await reverse.kill('SIGTERM');
  stderr += terminated.err;
  expect(terminated).toMatchObject({ code: 0, signal: null });
  expect(storedLsn(config) > inserted).toBe(false);
  expect(bulkRows(config)).toBe(0);
  expect(writeLocked(config.sqlitePath)).toBe(false);
  reverse = startReverse(config);
  await until(() => Promise.resolve(storedLsn(config) > inserted), 120_000);
  stderr += (await reverse.kill('SIGTERM')).err;
  expect(bulkRows(config)).toBe(ROWS);

  const deleted = await oneTransaction(`DELETE FROM big WHERE id >= ${FIRST_ID}`);
  stderr += await killMidTransaction(config, deleted, ROWS);
  reverse = startReverse(config);
  await until(() => Promise.resolve(storedLsn(config) > deleted), 120_000);
  const stopped = await reverse.kill('SIGTERM');
  stderr += stopped.err;
  expect(stopped).toMatchObject({ code: 0, signal: null });
  expect(stderr).toBe('');
  expect(bulkRows(config)).toBe(0);

  // Exactly PostgreSQL's rows, none echoed into the changelog, capture switched back on.
  expect((await runVerify(config, silentLogger)).equal).toBe(true);
  const sqlite = openSqlite(config.sqlitePath, { readonly: true });
  const changelog = sqlite.prepare('SELECT count(*) FROM _litebridge_changelog').pluck().get();
  const capture = sqlite.prepare('SELECT enabled FROM _litebridge_capture WHERE id = 1').pluck().get();
  sqlite.close();
  expect(changelog).toBe(0n);
  expect(capture).toBe(1n);
  // The capture and fence triggers set aside inside the large transactions are all back, unchanged.
  expect(bigTriggers(config)).toEqual(triggers);
}, 600_000);

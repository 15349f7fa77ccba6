/**
 * Reverse replication of one large PostgreSQL transaction after cutover: `litebridge sync` (its
 * own process) follows a collector-shaped file, `litebridge cutover` switches it, then ONE
 * PostgreSQL transaction inserts --tx-rows rows into `traffic_movements` (a backfill) and a second
 * one deletes them again (a retention DELETE). For each: the time from PostgreSQL's COMMIT until
 * SQLite has committed it (its `reverse_lsn` passed the transaction), rows/s, and the peak RSS of
 * the sync process while it applied it (sampled from /proc every 50 ms).
 * Run: `npm run build && node dist/bench/reverse-large.js --tx-rows 2000000`.
 */
import Database from 'better-sqlite3';
import type pg from 'pg';
import { parseLsn } from '../src/model/position.js';
import { benchArgs, parseCount, runBench, workloadArgs, workloadOptions } from './lib/args.js';
import { cliJson, waitFor } from './lib/child.js';
import { log, resultPath, writeJson } from './lib/harness.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { withLiveDatabase, withSync } from './lib/pg-admin.js';
import { cpuSeconds, statusKb } from './lib/proc-stat.js';

const USAGE = `usage: node dist/bench/reverse-large.js [--tx-rows N] [--rows N] [--seed N] [--out DIR]
  --tx-rows  rows the one PostgreSQL transaction inserts, then deletes (default 2000000)
  --rows     rows in the collector-shaped file cut over first (default 20000; cached per rows+seed)
  --out      output folder (default bench/out)`;

/** Ids of the inserted rows start above every id the workload holds. */
const FIRST_ID = 1_000_000_000;

/** The `reverse_lsn` SQLite has committed, read on a connection of its own. */
function storedLsn(sqlitePath: string): bigint {
  const db = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  try {
    const value = db.prepare("SELECT value FROM _litebridge_meta WHERE key = 'reverse_lsn'").pluck().get();
    return value === undefined ? 0n : parseLsn(String(value));
  } catch {
    return 0n;
  } finally {
    db.close();
  }
}

/** One timed transaction. */
interface Run {
  readonly op: 'insert' | 'delete';
  readonly rows: number;
  /** PostgreSQL's own time for the statement and COMMIT. */
  readonly pgMs: number;
  /** From PostgreSQL's COMMIT to SQLite's. */
  readonly toSqliteMs: number;
  readonly rowsPerSecond: number;
  readonly peakRssMb: number;
  readonly rssBeforeMb: number;
  /** CPU seconds the sync process used from PostgreSQL's COMMIT to SQLite's. */
  readonly syncCpuS: number;
}

/** Runs `sql` as one transaction; waits until SQLite has committed it, sampling the sync's RSS. */
async function timed(
  client: pg.Client,
  op: Run['op'],
  sql: string,
  params: readonly unknown[],
  sqlitePath: string,
  syncPid: number,
): Promise<Omit<Run, 'rows'> & { readonly count: number }> {
  const rssBefore = (statusKb(syncPid, 'VmRSS') ?? 0) * 1024;
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, (statusKb(syncPid, 'VmRSS') ?? 0) * 1024);
  }, 50);
  try {
    const t0 = performance.now();
    await client.query('BEGIN');
    const result = await client.query(sql, [...params]);
    // The commit record comes after this position: SQLite has the transaction once its stored
    // position (the commit's end) is past it.
    const before = parseLsn(
      String((await client.query('SELECT pg_current_wal_insert_lsn() AS lsn')).rows[0].lsn),
    );
    await client.query('COMMIT');
    const committed = performance.now();
    const cpuBefore = cpuSeconds(syncPid) ?? 0;
    await waitFor(`SQLite to commit the ${op}`, 60 * 60_000, async () =>
      storedLsn(sqlitePath) > before ? true : null,
    );
    const done = performance.now();
    const syncCpuS = Math.round(((cpuSeconds(syncPid) ?? 0) - cpuBefore) * 10) / 10;
    const count = result.rowCount ?? 0;
    const toSqliteMs = Math.round(done - committed);
    return {
      op,
      count,
      pgMs: Math.round(committed - t0),
      toSqliteMs,
      rowsPerSecond: Math.round(count / ((done - committed) / 1000)),
      peakRssMb: Math.round(peak / 2 ** 20),
      rssBeforeMb: Math.round(rssBefore / 2 ** 20),
      syncCpuS,
    };
  } finally {
    clearInterval(sampler);
  }
}

function countInSqlite(sqlitePath: string): number {
  const db = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  try {
    return Number(
      db.prepare('SELECT count(*) FROM traffic_movements WHERE id >= ?').pluck().get(FIRST_ID) as number,
    );
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const values = benchArgs(USAGE, {
    'tx-rows': { type: 'string', default: '2000000' },
    ...workloadOptions('20000'),
  });
  if (values === null) return;
  const txRows = parseCount(values['tx-rows'], '--tx-rows', 1);
  const { rows, seed } = workloadArgs(values);
  const outDir = values.out;
  const machine = machineInfo();
  await withLiveDatabase({ name: 'reverse-large', outDir, rows, seed }, (live) =>
    withSync(live, async (sync) => {
      const { client, sqlite, postgres } = live;
      const pid = sync.process.pid ?? 0;
      await cliJson(['cutover', '--sqlite', sqlite, '--pg', live.url], live.logPath);
      log('cut over; warming up reverse replication with a one-row transaction');
      const insert = `INSERT INTO traffic_movements
          (id, callsign, airport_icao, movement_type, aircraft_type, pilot_name, timestamp,
           confidence_score, detection_method, flight_id)
        SELECT $1::bigint + g, 'BAW' || g, 'EGLL', 'departure', 'A320', 'Pilot ' || g,
               '2025-07-24 12:00:00', (g % 1000) / 1000.0, 'geofence', NULL
          FROM generate_series(1, $2::bigint) AS g`;
      await timed(client, 'insert', insert, [FIRST_ID - 10, 1], sqlite, pid);
      log(`one transaction inserting ${txRows} rows`);
      const inserted = await timed(client, 'insert', insert, [FIRST_ID, txRows], sqlite, pid);
      const afterInsert = countInSqlite(sqlite);
      if (afterInsert !== txRows) throw new Error(`SQLite has ${afterInsert} of the ${txRows} rows inserted`);
      log(`one transaction deleting them`);
      const deleted = await timed(
        client,
        'delete',
        'DELETE FROM traffic_movements WHERE id >= $1',
        [FIRST_ID],
        sqlite,
        pid,
      );
      const afterDelete = countInSqlite(sqlite);
      if (afterDelete !== 0) throw new Error(`SQLite still has ${afterDelete} of the deleted rows`);
      const runs: Run[] = [inserted, deleted].map(({ count, ...r }) => ({ ...r, rows: count }));
      const out = resultPath(outDir, 'reverse-large', machine);
      writeJson(out, { machine, postgres, rows, seed, txRows, runs });
      process.stdout.write(
        `${[
          `## Reverse replication of one ${txRows}-row PostgreSQL transaction after cutover`,
          '',
          `- Date: ${machine.date}; ${describeMachine(machine, false)}; PostgreSQL ${postgres}`,
          '',
          '| transaction | rows | PostgreSQL (statement + COMMIT) | COMMIT → SQLite COMMIT | rows/s | sync CPU meanwhile | sync RSS before | sync peak RSS |',
          '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
          ...runs.map(
            (r) =>
              `| ${r.op} | ${r.rows} | ${r.pgMs} ms | ${r.toSqliteMs} ms | ${r.rowsPerSecond} | ${r.syncCpuS} s | ${r.rssBeforeMb} MB | ${r.peakRssMb} MB |`,
          ),
          '',
          `(written to ${out})`,
        ].join('\n')}\n`,
      );
    }),
  );
}

runBench(main, USAGE);

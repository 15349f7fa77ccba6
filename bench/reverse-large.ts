/**
 * Reverse replication of one large PostgreSQL transaction after cutover: `litebridge sync` (its
 * own process) follows a collector-shaped file, `litebridge cutover` switches it, then ONE
 * PostgreSQL transaction inserts --tx-rows rows into `traffic_movements` (a backfill) and a second
 * one deletes them again (a retention DELETE). For each: the time from PostgreSQL's COMMIT until
 * SQLite has committed it (its `reverse_lsn` passed the transaction), rows/s, and the peak RSS of
 * the sync process while it applied it (sampled from /proc every 50 ms). With `--kill MS`, sync
 * is SIGKILLed MS after it took SQLite's write lock for each large transaction (mid-transaction
 * when the transaction takes longer), SQLite is checked to show none of it, and a new sync
 * process writes it again: the time then includes the lost work.
 * Run: `npm run build && node dist/bench/reverse-large.js --tx-rows 2000000 [--kill 5000]`.
 */
import Database from 'better-sqlite3';
import { parseLsn } from '../src/model/position.js';
import { benchArgs, parseCount, runBench, workloadArgs, workloadOptions } from './lib/args.js';
import { type Child, cliJson, sleep, startSync, stopChild, waitFor } from './lib/child.js';
import { log, resultPath, writeJson } from './lib/harness.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { type LiveDatabase, withLiveDatabase, withSync } from './lib/pg-admin.js';
import { cpuSeconds, statusKb } from './lib/proc-stat.js';
import { writeLocked } from './lib/sqlite-lock.js';

const USAGE = `usage: node dist/bench/reverse-large.js [--tx-rows N] [--kill MS] [--rows N] [--seed N] [--out DIR]
  --tx-rows  rows the one PostgreSQL transaction inserts, then deletes (default 2000000)
  --kill     SIGKILL sync MS after it took SQLite's write lock for each transaction, then restart it
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
  /** CPU seconds the sync process(es) used from PostgreSQL's COMMIT to SQLite's. */
  readonly syncCpuS: number;
  /** With --kill: what the SIGKILL met (null: not asked). */
  readonly kill: string | null;
}

/** The sync process of the run: replaced by a new one after a SIGKILL. */
interface SyncHolder {
  current: Child;
  /** CPU seconds of the processes killed so far. */
  killedCpuS: number;
}

/**
 * Once sync holds SQLite's write lock for the transaction committed after `before`, waits
 * `afterMs`, SIGKILLs it, checks that SQLite shows none of the transaction, and starts a new sync.
 * Returns what happened.
 */
async function killOnce(
  live: LiveDatabase,
  sync: SyncHolder,
  before: bigint,
  afterMs: number,
  rowsBefore: number,
): Promise<string> {
  const { sqlite } = live;
  await waitFor("sync to take SQLite's write lock", 60 * 60_000, async () =>
    writeLocked(sqlite) || storedLsn(sqlite) > before ? true : null,
  );
  await sleep(afterMs);
  if (storedLsn(sqlite) > before) return 'not killed: SQLite committed first';
  const pid = sync.current.process.pid ?? 0;
  sync.killedCpuS += cpuSeconds(pid) ?? 0;
  sync.current.process.kill('SIGKILL');
  await sync.current.exited;
  if (storedLsn(sqlite) > before) return 'killed after SQLite committed';
  const seen = countInSqlite(sqlite);
  if (seen !== rowsBefore) throw new Error(`after the SIGKILL SQLite shows ${seen} rows, not ${rowsBefore}`);
  sync.current = startSync(sqlite, live.url, live.logPath);
  return `${afterMs} ms into SQLite's transaction: none of it in SQLite, restarted`;
}

/** What one timed transaction needs. */
interface Timed {
  readonly live: LiveDatabase;
  readonly sync: SyncHolder;
  /** With --kill: ms after sync took the write lock (null: no kill). */
  readonly killAfterMs: number | null;
  /** Rows SQLite holds at ids >= FIRST_ID before the transaction. */
  readonly rowsBefore: number;
}

/**
 * Runs `sql` as one transaction; waits until SQLite has committed it, sampling the sync's RSS
 * (and SIGKILLing it once on the way with --kill).
 */
async function timed(
  t: Timed,
  op: Run['op'],
  sql: string,
  params: readonly unknown[],
): Promise<Omit<Run, 'rows'> & { readonly count: number }> {
  const { client, sqlite: sqlitePath } = t.live;
  const pid = (): number => t.sync.current.process.pid ?? 0;
  const rssBefore = (statusKb(pid(), 'VmRSS') ?? 0) * 1024;
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, (statusKb(pid(), 'VmRSS') ?? 0) * 1024);
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
    const cpuBefore = (cpuSeconds(pid()) ?? 0) + t.sync.killedCpuS;
    const kill =
      t.killAfterMs === null ? null : await killOnce(t.live, t.sync, before, t.killAfterMs, t.rowsBefore);
    await waitFor(`SQLite to commit the ${op}`, 60 * 60_000, async () =>
      storedLsn(sqlitePath) > before ? true : null,
    );
    const done = performance.now();
    const cpuAfter = (cpuSeconds(pid()) ?? 0) + t.sync.killedCpuS;
    const syncCpuS = Math.round((cpuAfter - cpuBefore) * 10) / 10;
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
      kill,
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
    kill: { type: 'string' },
    ...workloadOptions('20000'),
  });
  if (values === null) return;
  const txRows = parseCount(values['tx-rows'], '--tx-rows', 1);
  const killAfterMs = values.kill === undefined ? null : parseCount(values.kill, '--kill');
  const { rows, seed } = workloadArgs(values);
  const outDir = values.out;
  const machine = machineInfo();
  await withLiveDatabase({ name: 'reverse-large', outDir, rows, seed }, (live) =>
    withSync(live, async (first) => {
      const { sqlite, postgres } = live;
      const sync: SyncHolder = { current: first, killedCpuS: 0 };
      try {
        await cliJson(['cutover', '--sqlite', sqlite, '--pg', live.url], live.logPath);
        log('cut over; warming up reverse replication with a one-row transaction');
        const insert = `INSERT INTO traffic_movements
            (id, callsign, airport_icao, movement_type, aircraft_type, pilot_name, timestamp,
             confidence_score, detection_method, flight_id)
          SELECT $1::bigint + g, 'BAW' || g, 'EGLL', 'departure', 'A320', 'Pilot ' || g,
                 '2025-07-24 12:00:00', (g % 1000) / 1000.0, 'geofence', NULL
            FROM generate_series(1, $2::bigint) AS g`;
        const base = { live, sync, killAfterMs: null, rowsBefore: 0 };
        await timed(base, 'insert', insert, [FIRST_ID - 10, 1]);
        log(`one transaction inserting ${txRows} rows${killAfterMs === null ? '' : ', sync SIGKILLed once'}`);
        const inserted = await timed({ ...base, killAfterMs }, 'insert', insert, [FIRST_ID, txRows]);
        const afterInsert = countInSqlite(sqlite);
        if (afterInsert !== txRows)
          throw new Error(`SQLite has ${afterInsert} of the ${txRows} rows inserted`);
        log(`one transaction deleting them${killAfterMs === null ? '' : ', sync SIGKILLed once'}`);
        const deleted = await timed(
          { ...base, killAfterMs, rowsBefore: txRows },
          'delete',
          'DELETE FROM traffic_movements WHERE id >= $1',
          [FIRST_ID],
        );
        const afterDelete = countInSqlite(sqlite);
        if (afterDelete !== 0) throw new Error(`SQLite still has ${afterDelete} of the deleted rows`);
        const runs: Run[] = [inserted, deleted].map(({ count, ...r }) => ({ ...r, rows: count }));
        const out = resultPath(outDir, 'reverse-large', machine);
        writeJson(out, { machine, postgres, rows, seed, txRows, killAfterMs, runs });
        process.stdout.write(report(txRows, runs, machine, postgres, out));
      } finally {
        if (sync.current !== first) await stopChild(sync.current);
      }
    }),
  );
}

/** The Markdown report of the runs. */
function report(
  txRows: number,
  runs: readonly Run[],
  machine: ReturnType<typeof machineInfo>,
  postgres: string,
  out: string,
): string {
  const killed = runs.some((r) => r.kill !== null);
  return `${[
    `## Reverse replication of one ${txRows}-row PostgreSQL transaction after cutover`,
    '',
    `- Date: ${machine.date}; ${describeMachine(machine, false)}; PostgreSQL ${postgres}`,
    '',
    `| transaction | rows | PostgreSQL (statement + COMMIT) | COMMIT → SQLite COMMIT | rows/s | sync CPU meanwhile | sync RSS before | sync peak RSS |${killed ? ' SIGKILL |' : ''}`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${killed ? ' --- |' : ''}`,
    ...runs.map(
      (r) =>
        `| ${r.op} | ${r.rows} | ${r.pgMs} ms | ${r.toSqliteMs} ms | ${r.rowsPerSecond} | ${r.syncCpuS} s | ${r.rssBeforeMb} MB | ${r.peakRssMb} MB |${killed ? ` ${r.kill ?? '–'} |` : ''}`,
    ),
    '',
    `(written to ${out})`,
  ].join('\n')}\n`;
}

runBench(main, USAGE);

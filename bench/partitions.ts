/**
 * Partition maintenance bench: how long an application's statements wait while `partitions
 * --maintain` creates partitions and moves rows out of DEFAULT. A table partitioned by day is
 * snapshotted, its next `--days` partitions are removed and `--default-rows` rows of those days
 * put in DEFAULT (as when nobody kept the partitions ahead); then one writer inserts today's rows
 * and one reader counts through the parent, each as fast as it can, before (baseline) and during
 * one maintenance pass. Prints each side's statement latency (median, p99, max) and the pass's
 * duration. Run: `npm run build && node dist/bench/partitions.js [--default-rows N] [--days N]`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/log/logger.js';
import { percentile } from '../src/log/percentile.js';
import { LOCK_TIMEOUT_MS } from '../src/pg/partition-maintenance.js';
import { createPool } from '../src/pg/pool.js';
import { maintainAll, partitionedTargets } from '../src/pipeline/partitions.js';
import { runSnapshot } from '../src/pipeline/snapshot.js';
import { benchArgs, parseCount, runBench } from './lib/args.js';
import { log, writeJson } from './lib/harness.js';
import { machineInfo } from './lib/machine.js';
import { freshDatabase, withBenchServer } from './lib/pg-admin.js';

const USAGE = `usage: node dist/bench/partitions.js [--default-rows N] [--days N] [--rows N] [--pg-url URL] [--out DIR]
  --default-rows  rows put in DEFAULT for the next --days days (default 200000)
  --days          future daily partitions removed, then re-created by maintenance (default 4)
  --rows          rows snapshotted into the last 30 days (default 100000)
  --pg-url        superuser URL of an existing PostgreSQL instead of the embedded one
  --out           output folder (default bench/out)`;

const day = (n: number): string => `${new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)}`;

/** Runs `statement` in a loop until `stop()`; returns each run's latency (ms). */
function loop(client: pg.Client, statement: () => [string, unknown[]]): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const [sql, params] = statement();
      const started = performance.now();
      await client.query(sql, params);
      latencies.push(performance.now() - started);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return latencies;
    },
  };
}

function summary(latencies: number[]): { n: number; medianMs: number; p99Ms: number; maxMs: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    n: sorted.length,
    medianMs: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? 0),
  };
}

async function main(): Promise<void> {
  const values = benchArgs(USAGE, {
    'default-rows': { type: 'string', default: '200000' },
    days: { type: 'string', default: '4' },
    rows: { type: 'string', default: '100000' },
    'pg-url': { type: 'string' },
    // Relative to the working folder, unlike the other benches' (workloadOptions).
    out: { type: 'string', default: 'bench/out' },
  });
  if (values === null) return;
  const defaultRows = parseCount(values['default-rows'], '--default-rows', 1);
  const days = parseCount(values.days, '--days', 1);
  const rows = parseCount(values.rows, '--rows', 1);
  const out = values.out;
  const dataDir = join('partitions', 'pg');
  await withBenchServer({ ...values, fast: true, dataDir }, async ({ adminUrl, postgres }) => {
    const url = await freshDatabase(adminUrl, 'litebridge_bench_partitions');
    const file = join(out, 'partitions-bench.db');
    const sqlite = new Database(file);
    sqlite.exec(
      'DROP TABLE IF EXISTS flights; CREATE TABLE flights (id INTEGER PRIMARY KEY, callsign TEXT NOT NULL, at DATETIME NOT NULL)',
    );
    const insert = sqlite.prepare('INSERT INTO flights VALUES (?, ?, ?)');
    sqlite.transaction(() => {
      for (let i = 1; i <= rows; i++) insert.run(i, `CS${i % 5000}`, `${day(-(i % 30))} 12:00:00`);
    })();
    sqlite.close();
    const configFile = join(out, 'partitions-bench.json');
    writeFileSync(
      configFile,
      JSON.stringify({ partitions: { flights: { column: 'at', interval: 'day', premake: days } } }),
    );
    const config = loadConfig({ sqlite: file, pg: url, config: configFile, replace: true }, {});
    log(`snapshot of ${rows} rows`);
    await runSnapshot(config, silentLogger, { tty: null });

    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    for (let n = 1; n <= days; n++) await admin.query(`DROP TABLE "flights_p${day(n).replaceAll('-', '')}"`);
    await admin.query(
      `INSERT INTO flights SELECT ${rows} + g, 'DEF', ($1::date + (g % $2) + 1)::timestamp + interval '12 hours'
         FROM generate_series(1, $3) g`,
      [day(0), days, defaultRows],
    );
    await admin.query('ANALYZE flights');
    await admin.end();
    log(`${defaultRows} rows in DEFAULT for the next ${days} days`);

    const writer = new pg.Client({ connectionString: url });
    const reader = new pg.Client({ connectionString: url });
    await writer.connect();
    await reader.connect();
    let next = rows + defaultRows + 1;
    const write = (): [string, unknown[]] => [
      `INSERT INTO flights VALUES ($1, 'W', $2)`,
      [next++, `${day(0)} 12:00:00`],
    ];
    const read = (): [string, unknown[]] => ['SELECT count(*) FROM flights WHERE callsign = $1', ['CS1']];
    const measurePhase = async (work: () => Promise<void>) => {
      const w = loop(writer, write);
      const r = loop(reader, read);
      const started = performance.now();
      await work();
      const ms = performance.now() - started;
      return { ms: Math.round(ms), writer: summary(await w.stop()), reader: summary(await r.stop()) };
    };
    const baseline = await measurePhase(() => new Promise((resolve) => setTimeout(resolve, 3000)));
    log(`baseline: writer ${JSON.stringify(baseline.writer)}, reader ${JSON.stringify(baseline.reader)}`);
    const pool = createPool(url, { max: 1 });
    let moved = 0;
    const during = await measurePhase(async () => {
      const results = await maintainAll(pool, partitionedTargets(config), { retention: false });
      for (const r of results.values()) moved += r.moved;
    });
    await pool.end();
    await writer.end();
    await reader.end();
    log(`maintenance: ${moved} rows moved in ${during.ms} ms`);
    log(`during: writer ${JSON.stringify(during.writer)}, reader ${JSON.stringify(during.reader)}`);
    const result = {
      machine: machineInfo(),
      server: postgres,
      lockTimeoutMs: LOCK_TIMEOUT_MS,
      rows,
      defaultRows,
      days,
      moved,
      maintenanceMs: during.ms,
      baseline,
      during,
    };
    writeJson(join(out, 'partitions.json'), result);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  });
}

runBench(main, USAGE);

/**
 * Query parity bench: `compare-queries` on 50 collector queries × 30 timed runs per side on the
 * collector-shaped file (200k rows by default) that litebridge snapshotted into a fresh database.
 * The queries: the starter file `examples/collector-queries.sql` (its times moved to the last ten
 * minutes of the data), then per-airport movement counts, callsign-prefix lookups, per-controller
 * flight lists and per-departure summaries with values taken from the data. Prints the wall time
 * and the latency table (SQLite vs PostgreSQL, p50/p95) with machine and date. Run:
 * `npm run build && node dist/bench/queries.js [--rows 200000] [--runs 30]`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/log/logger.js';
import { compareQueries } from '../src/parity/compare-queries.js';
import { type ParityQuery, parseQueries } from '../src/parity/queries-file.js';
import type { QueriesReport } from '../src/parity/query-report.js';
import { openSqlite } from '../src/sqlite/open.js';
import { benchArgs, PG_OPTIONS, parseCount, runBench, workloadArgs, workloadOptions } from './lib/args.js';
import { cliSnapshot } from './lib/child.js';
import { log, ROOT, resultPath, writeJson } from './lib/harness.js';
import { describeMachine, type MachineInfo, machineInfo } from './lib/machine.js';
import { analyze, freshDatabase, withBenchServer } from './lib/pg-admin.js';
import { cachedWorkload, workingCopy } from './lib/workload-cache.js';

const USAGE = `usage: node dist/bench/queries.js [--rows N] [--seed N] [--runs N] [--pg-url URL] [--fast] [--out DIR]
  --rows    rows in the generated workload (default 200000; cached per rows+seed)
  --seed    workload seed (default 1)
  --runs    timed runs per side and query (default 30)
  --pg-url  superuser URL of an existing PostgreSQL instead of the embedded one
  --fast    start the embedded PostgreSQL with fsync=off
  --out     output folder (default bench/out)`;

const STARTER = join(ROOT, 'examples', 'collector-queries.sql');

/** Queries in the bench. */
const QUERY_COUNT = 50;

/** The QUERY_COUNT queries, with parameter values from the data in `file`. */
function benchQueries(file: string): ParityQuery[] {
  const db = openSqlite(file, { readonly: true });
  try {
    const one = <T>(sql: string) => db.prepare(sql).pluck().all() as T[];
    const latest = one<string>("SELECT datetime(max(last_updated), '-10 minutes') FROM flights")[0]!;
    const starter = parseQueries(readFileSync(STARTER, 'utf8')).map((q) => ({
      ...q,
      params: Object.fromEntries(Object.entries(q.params).map(([k, v]) => [k, k === 'since' ? latest : v])),
    }));
    const generated: string[] = [];
    const add = (name: string, params: Record<string, string | bigint>, sql: string) => {
      const lines = Object.entries(params).map(
        ([k, v]) => `-- param: ${k} ${typeof v === 'string' ? `'${v}'` : v}`,
      );
      generated.push(`-- name: ${name}`, ...lines, sql);
    };
    for (const icao of one<string>(
      'SELECT DISTINCT airport_icao FROM traffic_movements ORDER BY 1 LIMIT 11',
    )) {
      add(
        `movements_at_${icao}`,
        { icao },
        'SELECT movement_type, count(*) AS movements FROM traffic_movements WHERE airport_icao = :icao GROUP BY movement_type ORDER BY movement_type',
      );
    }
    for (const prefix of one<string>(
      'SELECT substr(callsign, 1, 3) AS p FROM flights GROUP BY p ORDER BY count(*) DESC, p LIMIT 10',
    )) {
      add(
        `callsigns_${prefix}`,
        { prefix },
        "SELECT id, callsign, departure, arrival, altitude FROM flights WHERE callsign >= :prefix AND callsign < :prefix || 'Z' ORDER BY callsign, id LIMIT 100",
      );
    }
    for (const id of one<bigint>(
      'SELECT controller_id FROM flights WHERE controller_id IS NOT NULL GROUP BY controller_id ORDER BY count(*) DESC, controller_id LIMIT 10',
    )) {
      add(
        `flights_of_controller_${id}`,
        { id },
        'SELECT id, callsign, altitude, speed FROM flights WHERE controller_id = :id ORDER BY callsign, id LIMIT 50',
      );
    }
    // Per-departure summaries fill the list up to QUERY_COUNT.
    const left = Math.max(
      0,
      QUERY_COUNT - starter.length - generated.filter((l) => l.startsWith('-- name:')).length,
    );
    for (const dep of one<string>(
      `SELECT departure FROM flight_summaries WHERE departure IS NOT NULL GROUP BY departure ORDER BY count(*) DESC, departure LIMIT ${left}`,
    )) {
      add(
        `summaries_from_${dep}`,
        { dep },
        'SELECT arrival, count(*) AS flights, avg(duration_minutes) AS mean_minutes FROM flight_summaries WHERE departure = :dep GROUP BY arrival ORDER BY flights DESC, arrival',
      );
    }
    return [...starter, ...parseQueries(generated.join('\n'))];
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const values = benchArgs(USAGE, {
    ...workloadOptions('200000'),
    runs: { type: 'string', default: '30' },
    ...PG_OPTIONS,
  });
  if (values === null) return;
  const { rows, seed } = workloadArgs(values);
  const runs = parseCount(values.runs, '--runs', 1);
  const outDir = values.out;
  const machine = machineInfo();
  const workload = cachedWorkload(outDir, rows, seed, log);
  await withBenchServer(values, async ({ adminUrl, postgres }) => {
    const url = await freshDatabase(adminUrl, `lb_bench_queries_${rows}_${seed}`);
    const file = join(outDir, `work-queries-${rows}-seed${seed}.db`);
    workingCopy(workload, file);
    log('snapshot…');
    cliSnapshot(file, url);
    await analyze(url);
    const queries = benchQueries(file);
    log(`${queries.length} queries × ${runs} runs per side…`);
    const config = loadConfig({ sqlite: file, pg: url }, {});
    const started = performance.now();
    const report = await compareQueries(config, queries, silentLogger, { runs });
    const wallMs = performance.now() - started;
    const summary = { machine, postgres, rows, seed, runs, wallMs, report };
    process.stdout.write(markdown(summary));
    const jsonPath = resultPath(outDir, 'queries', machine);
    writeJson(jsonPath, summary, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    log(`wrote ${jsonPath}`);
    if (!report.queries.every((q) => q.status === 'same')) process.exitCode = 1;
  });
}

function statusCounts(report: QueriesReport): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const q of report.queries) counts[q.status] = (counts[q.status] ?? 0) + 1;
  return counts;
}

function markdown(s: {
  machine: MachineInfo;
  postgres: string;
  rows: number;
  seed: number;
  runs: number;
  wallMs: number;
  report: QueriesReport;
}): string {
  const m = s.machine;
  const ms = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(3));
  const sorted = (side: 'sqlite' | 'postgres') =>
    s.report.queries.map((q) => q[side]?.p50Ms ?? 0).sort((a, b) => a - b);
  const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? 0;
  const lines = [
    `## Query parity bench: ${s.report.queries.length} collector queries × ${s.runs} runs per side, ${s.rows.toLocaleString('en-US')} rows (seed ${s.seed})`,
    '',
    `- Date: ${m.date}`,
    `- Machine: ${describeMachine(m)}; PostgreSQL ${s.postgres} on the same machine (local socket)`,
    `- Wall time of the whole comparison: ${(s.wallMs / 1000).toFixed(1)} s`,
    `- Statuses: ${Object.entries(statusCounts(s.report))
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}; slower on PostgreSQL: ${s.report.queries.filter((q) => q.slower).length}`,
    `- Round-trip baseline SELECT 1: SQLite p50 ${ms(s.report.baseline.sqlite.p50Ms)} ms, PostgreSQL p50 ${ms(s.report.baseline.postgres.p50Ms)} ms`,
    `- Median over queries of the p50: SQLite ${ms(median(sorted('sqlite')))} ms, PostgreSQL ${ms(median(sorted('postgres')))} ms`,
    '',
    '| query | status | SQLite p50 | SQLite p95 | PostgreSQL p50 | PostgreSQL p95 | ratio |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...s.report.queries.map(
      (q) =>
        `| ${q.name} | ${q.status}${q.slower ? ' (slower)' : ''} | ${ms(q.sqlite?.p50Ms)} | ${ms(q.sqlite?.p95Ms)} | ${ms(q.postgres?.p50Ms)} | ${ms(q.postgres?.p95Ms)} | ${q.ratio ?? '–'} |`,
    ),
    '',
    'Times in milliseconds, each the whole query as the application runs it (SQLite in-process; PostgreSQL one round trip over a local socket, rows parsed).',
    '',
  ];
  return lines.join('\n');
}

runBench(main, USAGE);

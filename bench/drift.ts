/**
 * Drift bench: how fast each side of the chunked checksum runs on a collector-shaped file that
 * litebridge snapshotted into a fresh database. Measures (a) SQLite's side alone (per-chunk count
 * and hash sum computed inside SQLite), (b) PostgreSQL's side alone (the same plans, N connections
 * sharing the work), (c) the whole `drift-report` (both sides at once, as users run it), and the
 * peak resident memory of each phase. Run:
 * `npm run build && node dist/bench/drift.js --rows 2000000 [--connections N] [--chunk-rows N]`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/log/logger.js';
import { createPool } from '../src/pg/pool.js';
import { openSqlite } from '../src/sqlite/open.js';
import { ReadSnapshot } from '../src/sqlite/snapshot-read.js';
import { PgTableChecksum } from '../src/verify/checksum-pg.js';
import { type ChunkSummary, SqliteTableChecksum } from '../src/verify/checksum-sqlite.js';
import { ChecksumWorkers } from '../src/verify/checksum-workers.js';
import { CHUNK_ROWS, type ChunkPlan, chunkCount, planChunks } from '../src/verify/chunks.js';
import { replicatedTables, runDriftReport } from '../src/verify/drift-report.js';
import { benchArgs, PG_OPTIONS, parseCount, runBench, workloadArgs, workloadOptions } from './lib/args.js';
import { cliSnapshot } from './lib/child.js';
import { int, log, resultPath, writeJson } from './lib/harness.js';
import { describeMachine, type MachineInfo, machineInfo } from './lib/machine.js';
import { databaseExists, databaseUrl, freshDatabase, withBenchServer } from './lib/pg-admin.js';
import { cpuSecondsOf, ownPeakRssMb, resetOwnPeakRss } from './lib/proc-stat.js';
import { cachedWorkload, workingCopy } from './lib/workload-cache.js';

const USAGE = `usage: node dist/bench/drift.js [--rows N] [--seed N] [--connections N] [--chunk-rows N]
                            [--pg-url URL] [--fast] [--reuse] [--out DIR]
  --rows         rows in the generated workload (default 2000000; cached per rows+seed)
  --seed         workload seed (default 1)
  --connections  PostgreSQL connections computing summaries (default 2, drift-report's default)
  --chunk-rows   rows per chunk (default ${CHUNK_ROWS})
  --sqlite-workers  worker threads for the parallel SQLite measurement (default: cores - 1, at most 3)
  --pg-url       superuser URL of an existing PostgreSQL instead of the embedded one
  --fast         start the embedded PostgreSQL with fsync=off
  --reuse        reuse the snapshotted database and working copy of an earlier run with the same
                 rows and seed (skips the snapshot); they are always kept
  --out          output folder (default bench/out)`;

/** One measured phase: rows checksummed per side, wall time, peak RSS of this process. */
interface Phase {
  readonly rows: number;
  readonly ms: number;
  readonly rowsPerSec: number;
  readonly peakRssMb: number;
  /** CPU seconds of the side's own work: this process (its threads included), or the PostgreSQL backends. */
  readonly cpuSeconds: number | null;
  /** Rows per CPU second: what one idle core would do, whatever else the machine runs meanwhile. */
  readonly rowsPerCpuSecond: number | null;
  readonly perTable: Readonly<Record<string, { rows: number; ms: number; chunks: number }>>;
}

async function measurePhase(
  work: (record: (table: string, rows: number, ms: number, chunks: number) => void) => Promise<void> | void,
  cpuPids: readonly number[] = [process.pid],
): Promise<Phase> {
  global.gc?.();
  resetOwnPeakRss();
  const cpuBefore = cpuSecondsOf(cpuPids);
  const perTable: Record<string, { rows: number; ms: number; chunks: number }> = {};
  let rows = 0;
  const started = performance.now();
  await work((table, n, ms, chunks) => {
    perTable[table] = { rows: n, ms, chunks };
    rows += n;
  });
  const ms = performance.now() - started;
  const cpuAfter = cpuSecondsOf(cpuPids);
  const cpuUsed = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  return {
    rows,
    ms,
    rowsPerSec: (rows * 1000) / ms,
    peakRssMb: ownPeakRssMb(),
    cpuSeconds: cpuUsed,
    rowsPerCpuSecond: cpuUsed === null || cpuUsed <= 0 ? null : rows / cpuUsed,
    perTable,
  };
}

/** Splits chunk numbers 0..n-1 into at most `parts` contiguous runs of about equal length. */
function runsOf(n: number, parts: number): [number, number][] {
  const per = Math.ceil(n / parts);
  const runs: [number, number][] = [];
  for (let i = 0; i < n; i += per) runs.push([i, Math.min(i + per, n) - 1]);
  return runs;
}

const rowsOf = (m: ReadonlyMap<number, ChunkSummary>): number =>
  [...m.values()].reduce((n, s) => n + s.rows, 0);

async function main(): Promise<void> {
  const values = benchArgs(USAGE, {
    ...workloadOptions('2000000'),
    connections: { type: 'string', default: '2' },
    'chunk-rows': { type: 'string', default: String(CHUNK_ROWS) },
    'sqlite-workers': { type: 'string' },
    ...PG_OPTIONS,
    reuse: { type: 'boolean', default: false },
  });
  if (values === null) return;
  const { rows, seed } = workloadArgs(values);
  const connections = parseCount(values.connections, '--connections', 1);
  const chunkRows = parseCount(values['chunk-rows'], '--chunk-rows', 1);
  const outDir = values.out;

  const machine = machineInfo();
  const workload = cachedWorkload(outDir, rows, seed, log);
  await withBenchServer(values, async ({ adminUrl, postgres }) => {
    const database = `lb_bench_drift_${rows}_${seed}`;
    const file = join(outDir, `work-drift-${rows}-seed${seed}.db`);
    let url = databaseUrl(adminUrl, database);
    let snapshotMs: number | null = null;
    if (!values.reuse || !existsSync(file) || !(await databaseExists(adminUrl, database))) {
      url = await freshDatabase(adminUrl, database);
      workingCopy(workload, file);
      log('snapshot: litebridge snapshot (its own process, so its memory is not counted below)…');
      const started = performance.now();
      cliSnapshot(file, url);
      snapshotMs = performance.now() - started;
      log(`snapshot: done in ${(snapshotMs / 1000).toFixed(1)} s`);
    } else {
      log(`snapshot: reusing ${database} and ${file}`);
    }

    const config = loadConfig({ sqlite: file, pg: url, workers: connections }, {});
    const db = openSqlite(file);
    const tables = [...replicatedTables(db, config).values()];
    const sqlite = new Map(
      tables.map((t) => [t.source.name, new SqliteTableChecksum(db, t.source, t.target)]),
    );
    const plans = new Map<string, ChunkPlan>(
      tables.map((t) => [t.source.name, planChunks(t.target, sqlite.get(t.source.name)!.stats(), chunkRows)]),
    );
    const sqliteSums = new Map<string, Map<number, ChunkSummary>>();
    const pgSums = new Map<string, Map<number, ChunkSummary>>();

    log('(a) SQLite side alone…');
    const snapshot = new ReadSnapshot(db);
    const sqlitePhase = await measurePhase((record) => {
      snapshot.begin();
      try {
        for (const t of tables) {
          const plan = plans.get(t.source.name)!;
          const started = performance.now();
          const sums = sqlite.get(t.source.name)!.summaries(plan);
          sqliteSums.set(t.source.name, sums);
          record(t.source.name, rowsOf(sums), performance.now() - started, chunkCount(plan));
        }
      } finally {
        snapshot.end();
      }
    });
    log(`(a) ${int(sqlitePhase.rowsPerSec)} rows/s`);

    const workerCount =
      values['sqlite-workers'] === undefined
        ? undefined
        : parseCount(values['sqlite-workers'], '--sqlite-workers');
    const workers = ChecksumWorkers.start(file, workerCount);
    let parallelPhase: Phase | null = null;
    if (workers === null) log("(a') skipped: no worker threads (one core, or --sqlite-workers 0)");
    else {
      log("(a') SQLite side, this thread plus worker threads…");
      // Workers start (load modules, open the file) before the clock starts, as a long-lived checker's would.
      await workers.summaries(
        sqlite.get(tables[0]!.source.name)!,
        tables[0]!,
        plans.get(tables[0]!.source.name)!,
      );
      parallelPhase = await measurePhase(async (record) => {
        snapshot.begin();
        try {
          for (const t of tables) {
            const plan = plans.get(t.source.name)!;
            const started = performance.now();
            const sums = await workers.summaries(sqlite.get(t.source.name)!, t, plan);
            record(t.source.name, rowsOf(sums), performance.now() - started, chunkCount(plan));
            const single = sqliteSums.get(t.source.name)!;
            if (
              JSON.stringify([...sums].sort((a, b) => a[0] - b[0])) !==
              JSON.stringify([...single].sort((a, b) => a[0] - b[0]))
            )
              throw new Error(`${t.source.name}: worker summaries differ from the single-thread ones`);
          }
        } finally {
          snapshot.end();
        }
      });
      await workers.close();
      log(`(a') ${int(parallelPhase.rowsPerSec)} rows/s`);
    }

    log(`(b) PostgreSQL side alone, ${connections} connection(s)…`);
    const pool = createPool(url, { max: connections, applicationName: 'litebridge drift bench' });
    const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
    // The server runs on this machine (embedded, or --pg-url on localhost): its backends' CPU is readable.
    const backends = await Promise.all(
      clients.map(async (c) => Number((await c.query('SELECT pg_backend_pid() AS p')).rows[0].p)),
    );
    const pgPhase = await measurePhase(async (record) => {
      try {
        for (const t of tables) {
          const plan = plans.get(t.source.name)!;
          const pg = new PgTableChecksum(t.target);
          const started = performance.now();
          const parts =
            plan.kind === 'bucket'
              ? [await pg.summaries(clients[0]!, plan)]
              : await Promise.all(
                  runsOf(chunkCount(plan), connections).map(([first, last], i) =>
                    pg.summaries(clients[i]!, plan, first, last),
                  ),
                );
          const sums = new Map(parts.flatMap((p) => [...p]));
          pgSums.set(t.source.name, sums);
          record(t.source.name, rowsOf(sums), performance.now() - started, chunkCount(plan));
        }
      } finally {
        for (const c of clients) c.release();
        await pool.end();
      }
    }, backends);
    log(`(b) ${int(pgPhase.rowsPerSec)} rows/s`);
    db.close();

    const differing = tables.flatMap((t) => {
      const a = sqliteSums.get(t.source.name)!;
      const b = pgSums.get(t.source.name)!;
      const n = chunkCount(plans.get(t.source.name)!);
      return Array.from({ length: n }, (_, c) => c)
        .filter(
          (c) =>
            (a.get(c)?.sum ?? '0') !== (b.get(c)?.sum ?? '0') ||
            (a.get(c)?.rows ?? 0) !== (b.get(c)?.rows ?? 0),
        )
        .map((c) => `${t.source.name}#${c}`);
    });
    if (differing.length > 0)
      log(`WARNING: ${differing.length} chunk(s) differ: ${differing.slice(0, 10).join(', ')}`);

    log('(c) runDriftReport…');
    let report: Awaited<ReturnType<typeof runDriftReport>> | undefined;
    const reportPhase = await measurePhase(async (record) => {
      report = await runDriftReport(config, silentLogger, { chunkRows });
      for (const t of report.tables) record(t.table, t.sqliteRows, 0, t.chunksChecked);
    });
    const r = report!;
    log(`(c) ${(reportPhase.ms / 1000).toFixed(1)} s, drift ${r.drift}`);

    const summary = {
      machine,
      postgres,
      fastServer: values.fast,
      workload: { rows, seed, path: workload },
      connections,
      chunkRows,
      snapshotMs,
      sqlite: sqlitePhase,
      sqliteParallel: parallelPhase,
      pg: pgPhase,
      chunksDiffering: differing,
      driftReport: {
        wallMs: reportPhase.ms,
        peakRssMb: reportPhase.peakRssMb,
        drift: r.drift,
        reportedRowsPerSecond: r.rowsPerSecond,
        rows: r.tables.reduce((n, t) => n + t.sqliteRows, 0),
        wallRowsPerSecond: (r.tables.reduce((n, t) => n + t.sqliteRows, 0) * 1000) / reportPhase.ms,
      },
    };
    process.stdout.write(markdown(summary));
    const jsonPath = resultPath(outDir, 'drift', machine);
    writeJson(jsonPath, summary);
    log(`wrote ${jsonPath}`);
    if (r.drift || differing.length > 0) process.exitCode = 1;
  });
}

function markdown(s: {
  machine: MachineInfo;
  postgres: string;
  workload: { rows: number; seed: number };
  connections: number;
  chunkRows: number;
  sqlite: Phase;
  sqliteParallel: Phase | null;
  pg: Phase;
  chunksDiffering: readonly string[];
  driftReport: {
    wallMs: number;
    peakRssMb: number;
    drift: boolean;
    reportedRowsPerSecond: number;
    rows: number;
    wallRowsPerSecond: number;
  };
}): string {
  const m = s.machine;
  const d = s.driftReport;
  const phase = (label: string, p: Phase) =>
    `| ${label} | ${int(p.rows)} | ${(p.ms / 1000).toFixed(2)} s | ${int(p.rowsPerSec)} | ` +
    `${p.cpuSeconds === null ? '–' : `${p.cpuSeconds.toFixed(2)} s`} | ${p.rowsPerCpuSecond === null ? '–' : int(p.rowsPerCpuSecond)} | ${int(p.peakRssMb)} MiB |`;
  const lines = [
    `## Drift bench: ${int(s.workload.rows)} VATSIM-collector rows (seed ${s.workload.seed})`,
    '',
    `- Date: ${m.date}`,
    `- Machine: ${describeMachine(m)}; PostgreSQL ${s.postgres} on the same machine`,
    `- ${s.connections} PostgreSQL connection(s), ${int(s.chunkRows)} rows per chunk`,
    '',
    '| phase | rows | wall time | rows/s | CPU time¹ | rows per CPU second | peak RSS² |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    phase('(a) SQLite side alone, one thread (as drift-report runs it)', s.sqlite),
    ...(s.sqliteParallel === null
      ? []
      : [phase("(a') SQLite side alone, this thread + worker threads", s.sqliteParallel)]),
    phase('(b) PostgreSQL side alone', s.pg),
    `| (c) drift-report, both sides at once | ${int(d.rows)} | ${(d.wallMs / 1000).toFixed(2)} s | ${int(d.wallRowsPerSecond)} | – | – | ${int(d.peakRssMb)} MiB |`,
    '',
    `drift-report's own figure (rows per side per second of its first check): ${int(d.reportedRowsPerSecond)} rows/s; drift: ${d.drift ? 'YES' : 'none'}.`,
    s.chunksDiffering.length === 0
      ? 'Every chunk summary of (a) equals its counterpart in (b).'
      : `WARNING: ${s.chunksDiffering.length} chunk(s) of (a) and (b) differ.`,
    '',
    '| table | rows | chunks | SQLite rows/s | PostgreSQL rows/s |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const [table, a] of Object.entries(s.sqlite.perTable).sort((x, y) => y[1].rows - x[1].rows)) {
    const b = s.pg.perTable[table];
    const rate = (t: { rows: number; ms: number } | undefined) =>
      t === undefined || t.ms <= 0 ? '–' : int((t.rows * 1000) / t.ms);
    lines.push(`| ${table} | ${int(a.rows)} | ${a.chunks} | ${rate(a)} | ${rate(b)} |`);
  }
  lines.push(
    '',
    '¹ SQLite phases: this process, its threads included; PostgreSQL: the backends serving the connections (not',
    'parallel workers the server may start). Rows per CPU second do not depend on what else the machine runs.',
    '² VmHWM of the bench process, reset before each phase (the PostgreSQL server is not counted).',
  );
  return `${lines.join('\n')}\n`;
}

runBench(main, USAGE);

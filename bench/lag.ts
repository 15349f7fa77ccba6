/**
 * Sync lag bench: `litebridge sync` (its own process, `--poll 50`) follows a collector-shaped file
 * while the live VATSIM-like writer (another process, as the application is) commits
 * --events-per-second; lag is measured from outside, SQLite commit → PostgreSQL checkpoint.
 * `--backlog N` instead stops sync, writes N events as fast as possible and times the catch-up.
 * `--keys random` makes the writer update flights picked at random (a backlog of distinct keys).
 * Run: `npm run build && node dist/bench/lag.js --events-per-second 1000 --seconds 60`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/pg/embedded-server.js';
import { parseCount, runBench } from './lib/args.js';
import { type Child, startChild, waitFor } from './lib/child.js';
import { type LagSample, type LagSummary, matchLags, summarizeLags } from './lib/lag-stats.js';
import { machineInfo } from './lib/machine.js';
import { TreeSampler } from './lib/measure.js';
import { freshDatabase, serverVersion } from './lib/pg-admin.js';
import { cpuSeconds } from './lib/proc-stat.js';
import { linePlot } from './lib/svg-plot.js';
import { cachedWorkload, workingCopy } from './lib/workload-cache.js';

const USAGE = `usage: node dist/bench/lag.js [--events-per-second N] [--seconds S] [--tick-ms MS]
                              [--backlog N] [--keys hot|random] [--drift-interval S] [--rows N] [--seed N] [--out DIR]
  --events-per-second  rows the live writer touches per second (default 1000)
  --seconds            how long the writer runs (default 60)
  --tick-ms            writer transaction interval (default 1000, one commit per second as the collector)
  --backlog N          instead: stop sync, write N events as fast as possible, time the catch-up
  --keys               hot (default: updates cycle through ~1,500 active flights, as the collector)
                       or random (each update hits any flight of the file: few repeated keys)
  --drift-interval S   passed to sync (its drift observer; 0 turns it off; default: sync's own)
  --rows               rows in the collector-shaped file (default 200000; cached per rows+seed)
  --out                output folder (default bench/out)`;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const WRITER = join(ROOT, 'dist', 'src', 'workload', 'vatsim-live-main.js');
const SQLITE_EVERY_MS = 100;
const PG_EVERY_MS = 20;

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** PostgreSQL's view of the source: snapshot state and checkpoint (null before the table exists). */
async function readCheckpoint(client: pg.Client): Promise<{ state: string; checkpoint: number } | null> {
  try {
    const { rows } = await client.query<{ snapshot_state: string; checkpoint_seq: string | null }>(
      'SELECT snapshot_state, checkpoint_seq FROM litebridge.sources LIMIT 1',
    );
    const row = rows[0];
    return row === undefined
      ? null
      : { state: row.snapshot_state, checkpoint: Number(row.checkpoint_seq ?? 0) };
  } catch {
    return null;
  }
}

/** The newest changelog row: seq and capture time (ms), from a read-only connection. */
function changelogHead(db: Database.Database): { seq: number; at: number } | null {
  const row = db.prepare('SELECT seq, at FROM _litebridge_changelog ORDER BY seq DESC LIMIT 1').get() as
    | { seq: number; at: number }
    | undefined;
  return row ?? null;
}

/** What one sync process used over a window: CPU (% of one core) and peak RSS. */
interface SyncCost {
  readonly cpuPercent: number;
  readonly peakRssMb: number;
}

class SyncProcess {
  readonly child: Child;
  readonly #sampler = new TreeSampler(100);
  #cpuStart = 0;
  #wallStart = 0;

  constructor(sqlite: string, url: string, logPath: string, extra: readonly string[]) {
    this.child = startChild(
      CLI,
      ['sync', '--sqlite', sqlite, '--pg', url, '--poll', '50', ...extra],
      logPath,
    );
    this.#sampler.watch(this.child.process.pid);
    this.#sampler.start();
  }

  /** Starts the CPU window. */
  mark(): void {
    this.#cpuStart = cpuSeconds(this.child.process.pid!) ?? 0;
    this.#wallStart = performance.now();
  }

  /** CPU since mark(), peak RSS since start; then SIGTERM and wait for exit 0. */
  async stop(): Promise<SyncCost> {
    const cpu = (cpuSeconds(this.child.process.pid!) ?? this.#cpuStart) - this.#cpuStart;
    const wall = (performance.now() - this.#wallStart) / 1000;
    const peakRssMb = await this.#sampler.stop();
    this.child.process.kill('SIGTERM');
    const code = await this.child.exited;
    if (code !== 0) throw new Error(`sync exited with ${code} after SIGTERM (see the sync log)`);
    return { cpuPercent: (cpu / wall) * 100, peakRssMb };
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'events-per-second': { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '60' },
      'tick-ms': { type: 'string', default: '1000' },
      backlog: { type: 'string' },
      keys: { type: 'string', default: 'hot' },
      'drift-interval': { type: 'string' },
      rows: { type: 'string', default: '200000' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: join(ROOT, 'bench', 'out') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const rows = parseCount(values.rows, '--rows');
  const keys = values.keys;
  if (keys !== 'hot' && keys !== 'random') throw new Error(`--keys must be hot or random, got ${keys}`);
  const drift = values['drift-interval'];
  const syncArgs =
    drift === undefined ? [] : ['--drift-interval', String(parseCount(drift, '--drift-interval'))];
  const seed = parseCount(values.seed, '--seed');
  const outDir = values.out;
  mkdirSync(outDir, { recursive: true });
  const machine = machineInfo();
  const workload = cachedWorkload(outDir, rows, seed, log);
  const sqlite = workingCopy(workload, join(outDir, 'lag-work.db'));
  const syncLog = join(outDir, 'lag-sync.log');
  writeFileSync(syncLog, '');
  log(`starting embedded PostgreSQL in ${join(outDir, 'pg')}`);
  const server = await startEmbeddedPostgres({ dataDir: join(outDir, 'pg') });
  try {
    const postgres = await serverVersion(server.url());
    const url = await freshDatabase(server.url(), 'litebridge_lag');
    const pgClient = new pg.Client({ connectionString: url });
    await pgClient.connect();
    try {
      let sync = new SyncProcess(sqlite, url, syncLog, syncArgs);
      const snapStarted = performance.now();
      await waitFor(
        'the snapshot',
        30 * 60_000,
        async () => {
          const code = sync.child.process.exitCode;
          if (code !== null) throw new Error(`sync exited with ${code} during the snapshot (see ${syncLog})`);
          const cp = await readCheckpoint(pgClient);
          return cp?.state === 'done' ? cp : null;
        },
        PG_EVERY_MS,
      );
      log(`snapshot done in ${((performance.now() - snapStarted) / 1000).toFixed(1)} s`);
      const stamp = machine.date.replace(/[:]/g, '').replace(/\..*$/, '');
      const common = { machine, postgres, syncArgs, workload: { rows, seed, keys, path: workload } };
      if (values.backlog !== undefined) {
        const backlog = parseCount(values.backlog, '--backlog');
        await sync.stop();
        log(`sync stopped; writing ${int(backlog)} events as fast as possible`);
        const writer = startChild(
          process.execPath,
          [
            WRITER,
            '--sqlite',
            sqlite,
            '--events-per-second',
            '0',
            '--events',
            String(backlog),
            '--keys',
            keys,
          ],
          syncLog,
          true,
        );
        if ((await writer.exited) !== 0) throw new Error('the writer failed (see the sync log)');
        const db = new Database(sqlite, { readonly: true });
        const head = changelogHead(db)?.seq ?? 0;
        db.close();
        const from = (await readCheckpoint(pgClient))?.checkpoint ?? 0;
        log(`backlog of ${int(head - from)} events; starting sync`);
        const started = performance.now();
        sync = new SyncProcess(sqlite, url, syncLog, syncArgs);
        sync.mark();
        const progress: [number, number][] = [];
        let firstBatchMs: number | null = null;
        await waitFor(
          'the catch-up',
          30 * 60_000,
          async () => {
            const cp = await readCheckpoint(pgClient);
            const t = (performance.now() - started) / 1000;
            if (cp !== null) progress.push([t, head - cp.checkpoint]);
            if (cp !== null && cp.checkpoint > from && firstBatchMs === null) firstBatchMs = t * 1000;
            return cp !== null && cp.checkpoint >= head ? cp : null;
          },
          PG_EVERY_MS,
        );
        const catchUpMs = performance.now() - started;
        const cost = await sync.stop();
        const result = {
          mode: 'backlog',
          events: head - from,
          catchUpMs,
          firstBatchMs,
          eventsPerSecond: ((head - from) / catchUpMs) * 1000,
          writer: JSON.parse(writer.stdout().trim()) as unknown,
          ...cost,
        };
        process.stdout.write(backlogTable(result, common));
        writeOut(
          outDir,
          `lag-backlog-${stamp}`,
          { ...common, result, progress },
          linePlot({
            title: `Catch-up of a ${int(head - from)}-event backlog`,
            xLabel: 'seconds since sync started',
            yLabel: 'events not yet applied',
            points: progress,
          }),
        );
        return;
      }
      const eventsPerSecond = parseCount(values['events-per-second'], '--events-per-second');
      const seconds = parseCount(values.seconds, '--seconds');
      const result = await liveRun(
        sync,
        pgClient,
        sqlite,
        syncLog,
        eventsPerSecond,
        seconds,
        values['tick-ms'],
        keys,
      );
      process.stdout.write(liveTable(result, common));
      const t0 = result.samples[0]?.committedAt ?? 0;
      writeOut(
        outDir,
        `lag-${stamp}`,
        { ...common, result },
        linePlot({
          title: `Sync lag at ${int(eventsPerSecond)} events/s (SQLite commit → PostgreSQL checkpoint)`,
          xLabel: 'seconds',
          yLabel: 'lag (ms)',
          points: result.samples.map((s) => [(s.committedAt - t0) / 1000, s.lagMs] as const),
        }),
      );
    } finally {
      await pgClient.end().catch(() => undefined);
    }
  } finally {
    await server.stop();
  }
}

interface LiveResult {
  readonly mode: 'live';
  readonly eventsPerSecond: number;
  readonly seconds: number;
  readonly tickMs: number;
  readonly lag: LagSummary;
  readonly appliedEvents: number;
  readonly appliedPerSecond: number;
  readonly drainMs: number;
  readonly cpuPercent: number;
  readonly peakRssMb: number;
  readonly writer: unknown;
  readonly samples: readonly LagSample[];
}

async function liveRun(
  sync: SyncProcess,
  pgClient: pg.Client,
  sqlite: string,
  logPath: string,
  eventsPerSecond: number,
  seconds: number,
  tickMs: string,
  keys: string,
): Promise<LiveResult> {
  const db = new Database(sqlite, { readonly: true });
  const commits: { seq: number; at: number }[] = [];
  const observations: { checkpoint: number; at: number }[] = [];
  let watching = true;
  const watchSqlite = (async () => {
    while (watching) {
      const head = changelogHead(db);
      if (head !== null && head.seq !== commits.at(-1)?.seq) commits.push(head);
      await sleep(SQLITE_EVERY_MS);
    }
  })();
  const watchPg = (async () => {
    while (watching) {
      const cp = await readCheckpoint(pgClient);
      if (cp !== null) observations.push({ checkpoint: cp.checkpoint, at: Date.now() });
      await sleep(PG_EVERY_MS);
    }
  })();
  try {
    await sleep(300);
    const from = observations.at(-1)?.checkpoint ?? 0;
    commits.length = 0; // only the writer's commits count
    sync.mark();
    log(`writer: ${int(eventsPerSecond)} events/s for ${seconds} s`);
    const started = performance.now();
    const writer = startChild(
      process.execPath,
      [
        WRITER,
        '--sqlite',
        sqlite,
        '--events-per-second',
        String(eventsPerSecond),
        '--seconds',
        String(seconds),
        '--tick-ms',
        tickMs,
        '--keys',
        keys,
      ],
      logPath,
      true,
    );
    if ((await writer.exited) !== 0) throw new Error('the writer failed (see the sync log)');
    const wroteMs = performance.now() - started;
    const head = changelogHead(db)?.seq ?? 0;
    await waitFor(
      'sync to drain',
      10 * 60_000,
      async () => ((observations.at(-1)?.checkpoint ?? 0) >= head ? true : null),
      PG_EVERY_MS,
    );
    const drainMs = performance.now() - started - wroteMs;
    await sleep(SQLITE_EVERY_MS * 2);
    watching = false;
    await Promise.all([watchSqlite, watchPg]);
    const elapsed = performance.now() - started;
    const cost = await sync.stop();
    const samples = matchLags(
      commits.filter((c) => c.seq > from),
      observations,
    );
    return {
      mode: 'live',
      eventsPerSecond,
      seconds,
      tickMs: Number(tickMs),
      lag: summarizeLags(samples),
      appliedEvents: head - from,
      appliedPerSecond: ((head - from) / elapsed) * 1000,
      drainMs,
      writer: JSON.parse(writer.stdout().trim()) as unknown,
      ...cost,
      samples,
    };
  } finally {
    watching = false;
    db.close();
  }
}

interface Common {
  readonly machine: ReturnType<typeof machineInfo>;
  readonly postgres: string;
  readonly syncArgs: readonly string[];
  readonly workload: { readonly rows: number; readonly seed: number; readonly keys: string };
}

function header(title: string, common: Common): string[] {
  const m = common.machine;
  return [
    `## ${title}`,
    '',
    `- Date: ${m.date}; ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GiB RAM; Node ${m.node}; PostgreSQL ${common.postgres}`,
    `- Source: ${int(common.workload.rows)}-row VATSIM-collector-shaped file (seed ${common.workload.seed}), WAL; sync \`${['--poll 50', ...common.syncArgs].join(' ')}\`; writer keys: ${common.workload.keys}`,
    '',
  ];
}

function liveTable(r: LiveResult, common: Common): string {
  return `${[
    ...header(
      `Sync lag: ${int(r.eventsPerSecond)} events/s for ${r.seconds} s (one commit every ${r.tickMs} ms)`,
      common,
    ),
    '| commits sampled | lag p50 | p95 | p99 | max | events applied | applied/s | sync CPU | sync peak RSS |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${r.lag.samples} | ${int(r.lag.p50)} ms | ${int(r.lag.p95)} ms | ${int(r.lag.p99)} ms | ${int(r.lag.max)} ms | ${int(r.appliedEvents)} | ${int(r.appliedPerSecond)} | ${r.cpuPercent.toFixed(1)}% of a core | ${int(r.peakRssMb)} MiB |`,
    '',
    `Lag: capture time of a commit's last event → first time PostgreSQL's checkpoint was seen covering it`,
    `(checkpoint polled every ${PG_EVERY_MS} ms, so lags are up to ~${PG_EVERY_MS} ms high). Peak RSS includes the initial snapshot.`,
  ].join('\n')}\n`;
}

function backlogTable(
  r: {
    events: number;
    catchUpMs: number;
    firstBatchMs: number | null;
    eventsPerSecond: number;
    cpuPercent: number;
    peakRssMb: number;
  },
  common: Common,
): string {
  return `${[
    ...header(`Sync catch-up: a backlog of ${int(r.events)} events`, common),
    '| backlog | catch-up (from process start) | first batch committed after | events/s | sync CPU | sync peak RSS |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${int(r.events)} | ${(r.catchUpMs / 1000).toFixed(1)} s | ${r.firstBatchMs === null ? '–' : `${(r.firstBatchMs / 1000).toFixed(2)} s`} | ${int(r.eventsPerSecond)} | ${r.cpuPercent.toFixed(1)}% of a core | ${int(r.peakRssMb)} MiB |`,
  ].join('\n')}\n`;
}

function writeOut(outDir: string, name: string, json: unknown, svg: string): void {
  const jsonPath = join(outDir, `${name}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(outDir, `${name}.svg`), svg);
  log(`wrote ${jsonPath} and ${name}.svg`);
}

runBench(main, USAGE);

/**
 * Sync lag bench: `litebridge sync` (its own process, `--poll 50`) follows a collector-shaped file
 * while the live VATSIM-like writer (another process, as the application is) commits
 * --events-per-second; lag is measured from outside, SQLite commit → PostgreSQL checkpoint.
 * `--backlog N` instead stops sync, writes N events as fast as possible and times the catch-up.
 * `--keys random` makes the writer update flights picked at random (a backlog of distinct keys).
 * Run: `npm run build && node dist/bench/lag.js --events-per-second 1000 --seconds 60`.
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { benchArgs, parseCount, runBench, workloadArgs, workloadOptions } from './lib/args.js';
import { SyncProcess, sleep, startWriter, waitFor } from './lib/child.js';
import { int, log, resultPath, writeJson } from './lib/harness.js';
import { type LagSample, type LagSummary, matchLags, summarizeLags } from './lib/lag-stats.js';
import { describeMachine, type MachineInfo, machineInfo } from './lib/machine.js';
import { type LiveDatabase, readCheckpoint, snapshotDone, withLiveDatabase } from './lib/pg-admin.js';
import { linePlot } from './lib/svg-plot.js';

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

const SQLITE_EVERY_MS = 100;
const PG_EVERY_MS = 20;

/** The newest changelog row: seq and capture time (ms), from a read-only connection. */
function changelogHead(db: Database.Database): { seq: number; at: number } | null {
  const row = db.prepare('SELECT seq, at FROM _litebridge_changelog ORDER BY seq DESC LIMIT 1').get() as
    | { seq: number; at: number }
    | undefined;
  return row ?? null;
}

async function main(): Promise<void> {
  const values = benchArgs(USAGE, {
    'events-per-second': { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
    'tick-ms': { type: 'string', default: '1000' },
    backlog: { type: 'string' },
    keys: { type: 'string', default: 'hot' },
    'drift-interval': { type: 'string' },
    ...workloadOptions('200000'),
  });
  if (values === null) return;
  const { rows, seed } = workloadArgs(values);
  const keys = values.keys;
  if (keys !== 'hot' && keys !== 'random') throw new Error(`--keys must be hot or random, got ${keys}`);
  const drift = values['drift-interval'];
  const syncArgs =
    drift === undefined ? [] : ['--drift-interval', String(parseCount(drift, '--drift-interval'))];
  const outDir = values.out;
  const machine = machineInfo();
  const names = { name: 'lag', logName: 'lag-sync.log', dataDir: 'pg' };
  await withLiveDatabase({ ...names, outDir, rows, seed }, async (live) => {
    const { client: pgClient, sqlite, logPath: syncLog } = live;
    const sync = new SyncProcess(sqlite, live.url, syncLog, syncArgs);
    const snapStarted = performance.now();
    await snapshotDone(pgClient, sync.child, syncLog, PG_EVERY_MS);
    log(`snapshot done in ${((performance.now() - snapStarted) / 1000).toFixed(1)} s`);
    const common = {
      machine,
      postgres: live.postgres,
      syncArgs,
      workload: { rows, seed, keys, path: live.workload },
    };
    if (values.backlog !== undefined) {
      const backlog = parseCount(values.backlog, '--backlog');
      await sync.stop();
      const { result, progress } = await backlogRun(live, backlog, keys, syncArgs);
      process.stdout.write(backlogTable(result, common));
      writeOut(
        resultPath(outDir, 'lag-backlog', machine),
        { ...common, result, progress },
        linePlot({
          title: `Catch-up of a ${int(result.events)}-event backlog`,
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
      resultPath(outDir, 'lag', machine),
      { ...common, result },
      linePlot({
        title: `Sync lag at ${int(eventsPerSecond)} events/s (SQLite commit → PostgreSQL checkpoint)`,
        xLabel: 'seconds',
        yLabel: 'lag (ms)',
        points: result.samples.map((s) => [(s.committedAt - t0) / 1000, s.lagMs] as const),
      }),
    );
  });
}

/** Writes `backlog` events with sync stopped, then times a new sync process catching up with them. */
async function backlogRun(live: LiveDatabase, backlog: number, keys: string, syncArgs: readonly string[]) {
  const { client: pgClient, sqlite, logPath: syncLog } = live;
  log(`sync stopped; writing ${int(backlog)} events as fast as possible`);
  const writer = startWriter(
    sqlite,
    ['--events-per-second', '0', '--events', String(backlog), '--keys', keys],
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
  const sync = new SyncProcess(sqlite, live.url, syncLog, syncArgs);
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
  return { result, progress };
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
    const writer = startWriter(
      sqlite,
      [
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
  readonly machine: MachineInfo;
  readonly postgres: string;
  readonly syncArgs: readonly string[];
  readonly workload: { readonly rows: number; readonly seed: number; readonly keys: string };
}

function header(title: string, common: Common): string[] {
  const m = common.machine;
  return [
    `## ${title}`,
    '',
    `- Date: ${m.date}; ${describeMachine(m)}; PostgreSQL ${common.postgres}`,
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

/** The result as JSON at `jsonPath` and its plot beside it (`.svg`). */
function writeOut(jsonPath: string, json: unknown, svg: string): void {
  const svgPath = jsonPath.replace(/\.json$/, '.svg');
  writeJson(jsonPath, json);
  writeFileSync(svgPath, svg);
  log(`wrote ${jsonPath} and ${basename(svgPath)}`);
}

runBench(main, USAGE);

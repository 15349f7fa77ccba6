/**
 * Write cycle bench: the collector's tick (the VATSIM-like live writer's transaction: position
 * updates of the active flights, new flights, departures and arrivals as movements, stale flights
 * deleted) on SQLite and on PostgreSQL after a litebridge snapshot with the collector's partitions
 * (flights by day on last_updated, traffic_movements by week on timestamp). The ticks are recorded
 * once from `VatsimLiveWriter` on a scratch copy of the file (untimed), then replayed, statement
 * for statement with the same values, on two copies of the same starting file: SQLite (WAL,
 * synchronous=NORMAL, one IMMEDIATE transaction per tick, prepared statements, better-sqlite3)
 * and PostgreSQL (one transaction per tick through node-postgres, named prepared statements,
 * `LIVE_SQL_POSTGRES`). Prints time per cycle (p50/p99/max) per side, rows per cycle, the ratio,
 * and checks both sides end with the same rows. Run:
 * `npm run build && node dist/bench/write-cycle.js [--rows 200000] [--ticks 200] [--events 1500]`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/log/logger.js';
import { percentile } from '../src/log/percentile.js';
import { runSnapshot } from '../src/pipeline/snapshot.js';
import { benchArgs, PG_OPTIONS, parseCount, runBench, workloadArgs, workloadOptions } from './lib/args.js';
import { log, resultPath, writeJson } from './lib/harness.js';
import { describeMachine, type MachineInfo, machineInfo } from './lib/machine.js';
import { analyze, freshDatabase, withBenchServer, withClient } from './lib/pg-admin.js';
import { cachedWorkload, workingCopy } from './lib/workload-cache.js';
import { type PostgresMode, recordTicks, replayPostgres, replaySqlite } from './lib/write-cycle.js';

const USAGE = `usage: node dist/bench/write-cycle.js [--rows N] [--seed N] [--ticks N] [--events N] [--partitions both|movements|none] [--pg-mode statements|batched] [--pg-url URL] [--fast] [--out DIR]
  --rows    rows in the generated workload (default 200000; cached per rows+seed)
  --seed    workload and writer seed (default 1)
  --ticks   write cycles timed per side (default 200)
  --events  rows touched per cycle (default 1500: one feed poll moves every active flight)
  --pg-url  superuser URL of an existing PostgreSQL instead of the embedded one
  --partitions  both (default: flights by day, traffic_movements by week, as in the README's
            config example), movements (traffic_movements only) or none
  --pg-mode statements (default: one awaited statement per row, as the SQLite writer runs them)
            or batched (four set-based statements per tick, arrays as parameters)
  --fast    start the embedded PostgreSQL with fsync=off (not the default: commits are measured)
  --out     output folder (default bench/out)`;

/** The collector's partitioning, as in the README's config example, and the `--partitions` choices. */
const FLIGHTS = { column: 'last_updated', interval: 'day', premake: 4 } as const;
const MOVEMENTS = { column: 'timestamp', interval: 'week' } as const;
const PARTITIONS = {
  both: { flights: FLIGHTS, traffic_movements: MOVEMENTS },
  movements: { traffic_movements: MOVEMENTS },
  none: {},
} as const;
type PartitionChoice = keyof typeof PARTITIONS;

/** What both sides hold at the end, per table: rows, sum of ids, and one sum over changed columns. */
const FINGERPRINT = {
  flights: 'SELECT count(*) AS n, sum(id) AS ids, sum(altitude) + sum(position_lat) AS payload FROM flights',
  traffic_movements: 'SELECT count(*) AS n, sum(id) AS ids, sum(flight_id) AS payload FROM traffic_movements',
} as const;

type Fingerprint = Record<keyof typeof FINGERPRINT, string>;

function sqliteFingerprint(file: string): Fingerprint {
  const db = new Database(file, { readonly: true });
  try {
    const get = (sql: string) => {
      const r = db.prepare(sql).get() as Record<string, number>;
      return `${r.n}/${r.ids}/${r.payload}`;
    };
    return { flights: get(FINGERPRINT.flights), traffic_movements: get(FINGERPRINT.traffic_movements) };
  } finally {
    db.close();
  }
}

function postgresFingerprint(url: string): Promise<Fingerprint> {
  return withClient(url, async (client) => {
    const get = async (sql: string) => {
      const r = (await client.query(sql)).rows[0] as Record<string, string>;
      return `${r.n}/${r.ids}/${r.payload}`;
    };
    return {
      flights: await get(FINGERPRINT.flights),
      traffic_movements: await get(FINGERPRINT.traffic_movements),
    };
  });
}

/** p50/p99/max/mean of one side's cycle times (ms). */
interface CycleStats {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  readonly totalMs: number;
}

function stats(times: readonly number[]): CycleStats {
  const sorted = [...times].sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  const total = sorted.reduce((a, b) => a + b, 0);
  return {
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? 0),
    meanMs: round(total / Math.max(1, sorted.length)),
    totalMs: round(total),
  };
}

async function main(): Promise<void> {
  const values = benchArgs(USAGE, {
    ...workloadOptions('200000'),
    ticks: { type: 'string', default: '200' },
    events: { type: 'string', default: '1500' },
    partitions: { type: 'string', default: 'both' },
    'pg-mode': { type: 'string', default: 'statements' },
    ...PG_OPTIONS,
  });
  if (values === null) return;
  const { rows, seed } = workloadArgs(values, 1);
  const tickCount = parseCount(values.ticks, '--ticks', 1);
  const events = parseCount(values.events, '--events', 1);
  const partitions = values.partitions as PartitionChoice;
  if (!Object.hasOwn(PARTITIONS, partitions))
    throw new Error(`--partitions must be both, movements or none, got ${values.partitions}`);
  const mode = values['pg-mode'] as PostgresMode;
  if (mode !== 'statements' && mode !== 'batched')
    throw new Error(`--pg-mode must be statements or batched, got ${values['pg-mode']}`);
  const outDir = values.out;
  const machine = machineInfo();
  const workload = cachedWorkload(outDir, rows, seed, log);

  log(`recording ${tickCount} ticks of ${events} events…`);
  const ticks = recordTicks(
    workingCopy(workload, join(outDir, 'write-cycle-record.db')),
    seed,
    tickCount,
    events,
  );
  const statements = ticks.reduce((n, t) => n + t.length, 0);
  const kinds: Record<string, number> = {};
  for (const tick of ticks) for (const s of tick) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;

  log('SQLite: replaying…');
  const sqliteFile = workingCopy(workload, join(outDir, 'write-cycle-sqlite.db'));
  const sqliteTimes = replaySqlite(sqliteFile, ticks);

  await withBenchServer(values, async ({ adminUrl, postgres }) => {
    const url = await freshDatabase(adminUrl, `lb_bench_write_cycle_${rows}_${seed}`);
    const pgFile = workingCopy(workload, join(outDir, 'write-cycle-pg.db'));
    const configFile = join(outDir, 'write-cycle.json');
    writeFileSync(configFile, JSON.stringify({ partitions: PARTITIONS[partitions] }));
    log('snapshot with partitions…');
    await runSnapshot(
      loadConfig({ sqlite: pgFile, pg: url, config: configFile, replace: true }, {}),
      silentLogger,
      {
        tty: null,
      },
    );
    await analyze(url);
    const partitionCounts = await countPartitions(url);
    log(`partitions: ${JSON.stringify(partitionCounts)}`);
    log('PostgreSQL: replaying…');
    const pgTimes = await replayPostgres(url, ticks, mode);
    const sqliteEnd = sqliteFingerprint(sqliteFile);
    const pgEnd = await postgresFingerprint(url);
    const sameRows = JSON.stringify(sqliteEnd) === JSON.stringify(pgEnd);
    const summary = {
      machine,
      postgres,
      fsync: values.fast !== true,
      rows,
      seed,
      partitions: partitionCounts,
      mode,
      ticks: tickCount,
      events,
      statementsPerCycle: statements / tickCount,
      statements: kinds,
      sqlite: stats(sqliteTimes),
      postgresCycles: stats(pgTimes),
      sameRows,
      end: { sqlite: sqliteEnd, postgres: pgEnd },
    };
    process.stdout.write(markdown(summary));
    const jsonPath = resultPath(outDir, 'write-cycle', machine);
    writeJson(jsonPath, summary);
    log(`wrote ${jsonPath}`);
    if (!sameRows) {
      log(`the two sides differ at the end: ${JSON.stringify(summary.end)}`);
      process.exitCode = 1;
    }
  });
}

/** Partitions per partitioned table after the snapshot. */
function countPartitions(url: string): Promise<Record<string, number>> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ parent: string; n: string }>(
      `SELECT p.relname AS parent, count(*) AS n FROM pg_inherits i
         JOIN pg_class p ON p.oid = i.inhparent WHERE p.relkind = 'p' GROUP BY p.relname ORDER BY 1`,
    );
    return Object.fromEntries(rows.map((r) => [r.parent, Number(r.n)]));
  });
}

function markdown(s: {
  machine: MachineInfo;
  postgres: string;
  fsync: boolean;
  rows: number;
  seed: number;
  partitions: Record<string, number>;
  mode: PostgresMode;
  ticks: number;
  events: number;
  statementsPerCycle: number;
  statements: Record<string, number>;
  sqlite: CycleStats;
  postgresCycles: CycleStats;
  sameRows: boolean;
}): string {
  const m = s.machine;
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '–');
  const row = (side: string, c: CycleStats) =>
    `| ${side} | ${c.p50Ms.toFixed(2)} | ${c.p99Ms.toFixed(2)} | ${c.maxMs.toFixed(2)} | ${(c.totalMs / 1000).toFixed(1)} |`;
  return [
    `## Write cycle bench: ${s.ticks} collector ticks of ${s.events} row changes, ${s.rows.toLocaleString('en-US')}-row file (seed ${s.seed})`,
    '',
    `- Date: ${m.date}`,
    `- Machine: ${describeMachine(m)}; PostgreSQL ${s.postgres} on the same machine (local socket, fsync ${s.fsync ? 'on' : 'off'})`,
    `- Partitions after the snapshot: ${
      Object.entries(s.partitions)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ') || 'none'
    }`,
    `- Statements per cycle: ${s.statementsPerCycle.toFixed(1)} (${Object.entries(s.statements)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} over all cycles)`,
    `- Both sides end with the same rows: ${s.sameRows ? 'yes' : 'NO'}`,
    `- Ratio PostgreSQL / SQLite: p50 ${ratio(s.postgresCycles.p50Ms, s.sqlite.p50Ms)}, p99 ${ratio(s.postgresCycles.p99Ms, s.sqlite.p99Ms)}`,
    '',
    '| side | p50 ms/cycle | p99 ms/cycle | max ms/cycle | total s |',
    '|---|---:|---:|---:|---:|',
    row('SQLite (WAL, one transaction per tick)', s.sqlite),
    row(
      `PostgreSQL (${Object.keys(s.partitions).join(' and ') || 'no table'} partitioned, one transaction per tick, ${s.mode === 'batched' ? 'set-based statements' : 'one statement per row'})`,
      s.postgresCycles,
    ),
    '',
  ].join('\n');
}

runBench(main, USAGE);

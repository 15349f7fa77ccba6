import { existsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { planVatsimRows, VATSIM_TABLES } from '../../src/workload/vatsim.js';
import { buildSameKeys, createNaiveTables, csvPipe } from './csv-pipe.js';
import { CLI } from './harness.js';
import { versionOf } from './machine.js';
import { type ExitStatus, measure, run, TreeSampler } from './measure.js';
import { compareReals, countRows, dropDatabase, freshDatabase, type RealComparison } from './pg-admin.js';
import { type FloorInput, loadFloor, prepareFloor, removeFloor } from './pg-floor.js';
import { workingCopy } from './workload-cache.js';

/** The loaders the bench compares. */
export const TOOLS = ['litebridge', 'pg-floor', 'pgloader', 'pgloader-cast', 'csv', 'csv-keys'] as const;
export type Tool = (typeof TOOLS)[number];

/** What one loader did with the workload. */
export interface ToolResult {
  readonly tool: Tool;
  readonly status: 'ok' | 'failed' | 'skipped';
  /** Why it was skipped or failed. */
  readonly reason?: string;
  readonly wallMs?: number;
  readonly peakRssMb?: number;
  /** CPU seconds of the loader (its processes, or for pg-floor the bench's own streaming). */
  readonly cpuSeconds?: number;
  /** CPU seconds of the PostgreSQL server meanwhile (null: the server is not the bench's own). */
  readonly serverCpuSeconds?: number | null;
  readonly rowsExpected: number;
  readonly expectedPerTable: Readonly<Record<string, number>>;
  readonly rowsLoaded?: number;
  /** Loaded rows per second of wall time. */
  readonly rowsPerSec?: number;
  readonly rowsPerTable?: Readonly<Record<string, number | null>>;
  /** traffic_movements.confidence_score compared with SQLite, value by value. */
  readonly realCheck?: RealComparison | null;
  /** litebridge only: outcome of `litebridge verify`. */
  readonly verify?: string;
  readonly log: string;
  /** With --repeat: the wall time of every round (this result is the median one). */
  readonly rounds?: readonly number[];
}

/** Everything a loader run needs. */
export interface RunContext {
  readonly outDir: string;
  readonly workload: string;
  readonly rows: number;
  readonly adminUrl: string;
  /** The postmaster's pid when the bench started the server (its CPU is measured), else null. */
  readonly serverPid: number | null;
  readonly keep: boolean;
  /** Extra `litebridge snapshot` flags (e.g. `--parallel 4`), to compare settings. */
  readonly litebridgeArgs: readonly string[];
  readonly log: (line: string) => void;
}

/** Which table and column show whether REAL values survive (17-significant-digit doubles). */
const REAL_PROBE = { table: 'traffic_movements', key: 'id', column: 'confidence_score' } as const;

const describeExit = (s: ExitStatus): string =>
  s.signal !== null ? `signal ${s.signal}` : `exit code ${s.code}`;

/** Runs one loader into a fresh database on a fresh copy of the workload, then checks what arrived. */
export async function runTool(tool: Tool, ctx: RunContext): Promise<ToolResult> {
  const log = join(ctx.outDir, `${tool}.log`);
  const base = { tool, rowsExpected: ctx.rows, expectedPerTable: planVatsimRows(ctx.rows), log } as const;
  const skip = skipReason(tool);
  if (skip !== undefined) return { ...base, status: 'skipped', reason: skip };

  const database = `lb_bench_${tool}`;
  const url = await freshDatabase(ctx.adminUrl, database);
  const file = workingCopy(ctx.workload, join(ctx.outDir, `work-${tool}.db`));
  let floor: FloorInput | null = null;
  try {
    if (tool === 'csv' || tool === 'csv-keys') await createNaiveTables(url, file, VATSIM_TABLES);
    if (tool === 'pg-floor') {
      ctx.log("pg-floor: writing litebridge's COPY data to files (not timed)…");
      floor = await prepareFloor(file, ctx.outDir);
    }
    ctx.log(`${tool}: loading…`);
    const m = await measure((sampler) => {
      switch (tool) {
        case 'litebridge':
          // Run as users run it: the bin, through its shebang (which sets node's flags).
          return run(sampler, CLI, ['snapshot', '--sqlite', file, '--pg', url, ...ctx.litebridgeArgs], log);
        case 'pgloader':
          return run(sampler, 'pgloader', ['--dynamic-space-size', '4096', `sqlite://${file}`, url], log);
        case 'pgloader-cast':
          return run(
            sampler,
            'pgloader',
            ['--dynamic-space-size', '4096', castLoadFile(ctx.outDir, file, url)],
            log,
          );
        case 'pg-floor':
          return loadFloor(url, floor!);
        case 'csv':
          return csvPipe(sampler, file, url, VATSIM_TABLES, log);
        case 'csv-keys':
          return csvPipe(sampler, file, url, VATSIM_TABLES, log).then((status) =>
            status.code === 0 ? buildSameKeys(url, file) : status,
          );
      }
    }, ctx.serverPid);
    ctx.log(`${tool}: ${describeExit(m.result)} after ${(m.wallMs / 1000).toFixed(1)} s`);
    const rowsPerTable = await countRows(url, VATSIM_TABLES);
    const rowsLoaded = Object.values(rowsPerTable).reduce<number>((a, b) => a + (b ?? 0), 0);
    const realCheck = await compareReals(url, file, REAL_PROBE.table, REAL_PROBE.key, REAL_PROBE.column);
    let verify: string | undefined;
    if (tool === 'litebridge' && m.result.code === 0) {
      const v = await run(new TreeSampler(), CLI, ['verify', '--sqlite', file, '--pg', url], log);
      verify = v.code === 0 ? 'differences: 0' : `verify ${describeExit(v)} (see ${log})`;
    }
    return {
      ...base,
      status: m.result.code === 0 ? 'ok' : 'failed',
      ...(m.result.code === 0 ? {} : { reason: describeExit(m.result) }),
      wallMs: m.wallMs,
      // pg-floor streams from the bench's own process: it has no process tree of its own.
      ...(tool === 'pg-floor' ? {} : { peakRssMb: m.peakRssMb }),
      cpuSeconds: m.cpuSeconds,
      serverCpuSeconds: m.serverCpuSeconds,
      rowsLoaded,
      rowsPerSec: rowsLoaded / (m.wallMs / 1000),
      rowsPerTable,
      realCheck,
      ...(verify === undefined ? {} : { verify }),
    };
  } finally {
    if (floor !== null) await removeFloor(floor);
    if (!ctx.keep) {
      await dropDatabase(ctx.adminUrl, database);
      for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(file + suffix, { force: true });
    }
  }
}

/**
 * A pgloader command file with pgloader's SQLite defaults plus the one cast this workload needs
 * (SMALLINT columns hold values above 32767): the fair-speed variant of pgloader.
 */
function castLoadFile(outDir: string, file: string, url: string): string {
  const path = join(outDir, 'pgloader-cast.load');
  const text = [
    'LOAD DATABASE',
    `  FROM sqlite://${file}`,
    `  INTO ${url}`,
    '  WITH create tables, create indexes, reset sequences',
    '  CAST type smallint to integer drop typemod;',
    '',
  ].join('\n');
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** Why a loader cannot run here, with how to fix it; undefined when it can. */
function skipReason(tool: Tool): string | undefined {
  switch (tool) {
    case 'pg-floor':
      return undefined;
    case 'litebridge':
      return existsSync(CLI) ? undefined : 'dist/src/cli/main.js not found: run `npm run build` first';
    case 'pgloader':
    case 'pgloader-cast':
      return versionOf('pgloader', ['--version']) === null
        ? 'pgloader not installed: `sudo apt-get install pgloader` (Debian/Ubuntu) or `brew install pgloader` (macOS)'
        : undefined;
    case 'csv':
    case 'csv-keys':
      if (versionOf('sqlite3', ['--version']) === null)
        return 'sqlite3 CLI not installed: `sudo apt-get install sqlite3`';
      if (versionOf('psql', ['--version']) === null)
        return 'psql not installed: `sudo apt-get install postgresql-client`';
      return undefined;
  }
}

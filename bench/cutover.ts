/**
 * Cutover bench: the fence window (the application's write pause) while the live VATSIM-like
 * writer commits --events-per-second into a collector-shaped file and `litebridge sync` (its own
 * process) follows it. Each repeat runs `litebridge cutover --json` (its own process) after
 * --warmup seconds of writing, then `litebridge rollback`, so the next repeat cuts over the same
 * live file again. Prints fenceMs per run and its p50/max.
 * Run: `npm run build && node dist/bench/cutover.js --events-per-second 1000 --repeat 5`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { percentile } from '../src/log/percentile.js';
import { startEmbeddedPostgres } from '../src/pg/embedded-server.js';
import { parseCount, runBench } from './lib/args.js';
import { type Child, startChild } from './lib/child.js';
import { machineInfo } from './lib/machine.js';
import { freshDatabase, serverVersion, snapshotDone } from './lib/pg-admin.js';
import { cachedWorkload, workingCopy } from './lib/workload-cache.js';

const USAGE = `usage: node dist/bench/cutover.js [--events-per-second N] [--repeat N] [--warmup S]
                                  [--tick-ms MS] [--rows N] [--seed N] [--out DIR]
  --events-per-second  rows the live writer touches per second (default 1000)
  --repeat             cutovers (each followed by a rollback) (default 5)
  --warmup             seconds of writing before each cutover (default 5)
  --tick-ms            writer transaction interval (default 1000, one commit per second as the collector)
  --rows               rows in the collector-shaped file (default 200000; cached per rows+seed)
  --out                output folder (default bench/out)`;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const WRITER = join(ROOT, 'dist', 'src', 'workload', 'vatsim-live-main.js');

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one CLI command to its end; returns its parsed --json output. */
async function cli(args: readonly string[], logPath: string): Promise<Record<string, unknown>> {
  const child = startChild(CLI, [...args, '--json'], logPath, true);
  const code = await child.exited;
  const json = JSON.parse(child.stdout()) as Record<string, unknown>;
  if (code !== 0) throw new Error(`litebridge ${args[0]} exited ${code}: ${JSON.stringify(json)}`);
  return json;
}

/** One cutover of the live file. */
interface Run {
  readonly fenceMs: number;
  readonly drainedEvents: number;
  readonly keysChecked: number;
  readonly cutoverMs: number;
  readonly rollbackMs: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'events-per-second': { type: 'string', default: '1000' },
      repeat: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '5' },
      'tick-ms': { type: 'string', default: '1000' },
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
  const eventsPerSecond = parseCount(values['events-per-second'], '--events-per-second');
  const repeat = Math.max(1, parseCount(values.repeat, '--repeat'));
  const warmupMs = parseCount(values.warmup, '--warmup') * 1000;
  const rows = parseCount(values.rows, '--rows');
  const seed = parseCount(values.seed, '--seed');
  const outDir = values.out;
  mkdirSync(outDir, { recursive: true });
  const machine = machineInfo();
  const sqlite = workingCopy(cachedWorkload(outDir, rows, seed, log), join(outDir, 'cutover-work.db'));
  const logPath = join(outDir, 'cutover.log');
  writeFileSync(logPath, '');
  const server = await startEmbeddedPostgres({ dataDir: join(outDir, 'pg-cutover') });
  try {
    const postgres = await serverVersion(server.url());
    const url = await freshDatabase(server.url(), 'litebridge_cutover');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const conn = ['--sqlite', sqlite, '--pg', url];
    const sync = startChild(CLI, ['sync', ...conn, '--poll', '50'], logPath);
    let writer: Child | null = null;
    try {
      await snapshotDone(client, sync, logPath);
      log(`snapshot done; writer at ${eventsPerSecond} events/s, one commit every ${values['tick-ms']} ms`);
      writer = startChild(
        process.execPath,
        [
          WRITER,
          '--sqlite',
          sqlite,
          '--events-per-second',
          String(eventsPerSecond),
          '--tick-ms',
          values['tick-ms'],
        ],
        logPath,
      );
      const runs: Run[] = [];
      for (let i = 0; i < repeat; i++) {
        await sleep(warmupMs);
        const t0 = performance.now();
        const result = await cli(['cutover', ...conn], logPath);
        const cutoverMs = performance.now() - t0;
        await sleep(1000);
        const t1 = performance.now();
        await cli(['rollback', ...conn], logPath);
        const rollbackMs = performance.now() - t1;
        const run: Run = {
          fenceMs: Number(result.fenceMs),
          drainedEvents: Number((result.drained as { events: number }).events),
          keysChecked: Number((result.checksum as { keysChecked: number }).keysChecked),
          cutoverMs: Math.round(cutoverMs),
          rollbackMs: Math.round(rollbackMs),
        };
        runs.push(run);
        log(
          `run ${i + 1}/${repeat}: fence ${run.fenceMs} ms (${run.drainedEvents} events drained, ${run.keysChecked} keys checked)`,
        );
      }
      const fence = runs.map((r) => r.fenceMs).sort((a, b) => a - b);
      const summary = { p50: percentile(fence, 50), max: fence.at(-1) ?? 0 };
      const stamp = machine.date.replace(/[:]/g, '').replace(/\..*$/, '');
      const out = join(outDir, `cutover-${stamp}.json`);
      writeFileSync(
        out,
        `${JSON.stringify({ machine, postgres, rows, seed, eventsPerSecond, tickMs: Number(values['tick-ms']), runs, fenceMs: summary }, null, 2)}\n`,
      );
      process.stdout.write(
        `${[
          `## Cutover fence window: ${eventsPerSecond} events/s, ${rows}-row collector-shaped file, ${repeat} runs`,
          '',
          `- Date: ${machine.date}; ${machine.cpu}, ${machine.cores} cores; Node ${machine.node}; PostgreSQL ${postgres}`,
          '',
          '| run | fence window | events drained in the fence | keys checked in the fence | cutover command | rollback command |',
          '| ---: | ---: | ---: | ---: | ---: | ---: |',
          ...runs.map(
            (r, i) =>
              `| ${i + 1} | ${r.fenceMs} ms | ${r.drainedEvents} | ${r.keysChecked} | ${r.cutoverMs} ms | ${r.rollbackMs} ms |`,
          ),
          '',
          `fenceMs p50 ${summary.p50} ms, max ${summary.max} ms (written to ${out})`,
        ].join('\n')}\n`,
      );
    } finally {
      writer?.process.kill('SIGTERM');
      await writer?.exited;
      sync.process.kill('SIGTERM');
      await sync.exited;
      await client.end().catch(() => undefined);
    }
  } finally {
    await server.stop();
  }
}

runBench(main, USAGE);

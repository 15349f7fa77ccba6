/**
 * Cutover bench: the fence window (the application's write pause) while the live VATSIM-like
 * writer commits --events-per-second into a collector-shaped file and `litebridge sync` (its own
 * process) follows it. Each repeat runs `litebridge cutover --json` (its own process) after
 * --warmup seconds of writing, then `litebridge rollback`, so the next repeat cuts over the same
 * live file again. Prints fenceMs per run and its p50/max.
 * Run: `npm run build && node dist/bench/cutover.js --events-per-second 1000 --repeat 5`.
 */
import { percentile } from '../src/log/percentile.js';
import { benchArgs, parseCount, runBench, workloadArgs, workloadOptions } from './lib/args.js';
import { cliJson, sleep, startWriter, stopChild } from './lib/child.js';
import { log, resultPath, writeJson } from './lib/harness.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { withLiveDatabase, withSync } from './lib/pg-admin.js';

const USAGE = `usage: node dist/bench/cutover.js [--events-per-second N] [--repeat N] [--warmup S]
                                  [--tick-ms MS] [--rows N] [--seed N] [--out DIR]
  --events-per-second  rows the live writer touches per second (default 1000)
  --repeat             cutovers (each followed by a rollback) (default 5)
  --warmup             seconds of writing before each cutover (default 5)
  --tick-ms            writer transaction interval (default 1000, one commit per second as the collector)
  --rows               rows in the collector-shaped file (default 200000; cached per rows+seed)
  --out                output folder (default bench/out)`;

/** One cutover of the live file. */
interface Run {
  readonly fenceMs: number;
  readonly drainedEvents: number;
  readonly keysChecked: number;
  readonly cutoverMs: number;
  readonly rollbackMs: number;
}

async function main(): Promise<void> {
  const values = benchArgs(USAGE, {
    'events-per-second': { type: 'string', default: '1000' },
    repeat: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '5' },
    'tick-ms': { type: 'string', default: '1000' },
    ...workloadOptions('200000'),
  });
  if (values === null) return;
  const eventsPerSecond = parseCount(values['events-per-second'], '--events-per-second');
  const repeat = Math.max(1, parseCount(values.repeat, '--repeat'));
  const warmupMs = parseCount(values.warmup, '--warmup') * 1000;
  const { rows, seed } = workloadArgs(values);
  const outDir = values.out;
  const machine = machineInfo();
  await withLiveDatabase({ name: 'cutover', outDir, rows, seed }, (live) =>
    withSync(live, async () => {
      const { postgres, logPath } = live;
      const conn = ['--sqlite', live.sqlite, '--pg', live.url];
      log(`snapshot done; writer at ${eventsPerSecond} events/s, one commit every ${values['tick-ms']} ms`);
      const writer = startWriter(
        live.sqlite,
        ['--events-per-second', String(eventsPerSecond), '--tick-ms', values['tick-ms']],
        logPath,
      );
      try {
        const runs: Run[] = [];
        for (let i = 0; i < repeat; i++) {
          await sleep(warmupMs);
          const t0 = performance.now();
          const result = await cliJson(['cutover', ...conn], logPath);
          const cutoverMs = performance.now() - t0;
          await sleep(1000);
          const t1 = performance.now();
          await cliJson(['rollback', ...conn], logPath);
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
        const out = resultPath(outDir, 'cutover', machine);
        const tickMs = Number(values['tick-ms']);
        writeJson(out, { machine, postgres, rows, seed, eventsPerSecond, tickMs, runs, fenceMs: summary });
        process.stdout.write(
          `${[
            `## Cutover fence window: ${eventsPerSecond} events/s, ${rows}-row collector-shaped file, ${repeat} runs`,
            '',
            `- Date: ${machine.date}; ${describeMachine(machine, false)}; PostgreSQL ${postgres}`,
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
        await stopChild(writer);
      }
    }),
  );
}

runBench(main, USAGE);

/**
 * Snapshot bench: one collector-shaped SQLite file, loaded into fresh PostgreSQL databases by
 * litebridge, pgloader and the hand-written `sqlite3 -csv | psql \copy` pipe; wall time, rows/s,
 * peak memory and what arrived. Run: `npm run build && node dist/bench/snapshot.js --rows 2000000`.
 */
import { statSync } from 'node:fs';
import { benchArgs, PG_OPTIONS, parseCount, runBench, workloadArgs, workloadOptions } from './lib/args.js';
import { log, resultPath, writeJson } from './lib/harness.js';
import { runTool, TOOLS, type Tool, type ToolResult } from './lib/loaders.js';
import { machineInfo } from './lib/machine.js';
import { withBenchServer } from './lib/pg-admin.js';
import { markdownReport, ratios } from './lib/report.js';
import { cachedWorkload } from './lib/workload-cache.js';

const USAGE = `usage: node dist/bench/snapshot.js [--rows N] [--seed N] [--only litebridge,pg-floor,pgloader,pgloader-cast,csv,csv-keys]
                                   [--repeat N] [--parallel N] [--pg-url URL] [--fast] [--keep] [--out DIR]
  --rows    rows in the generated workload (default 2000000)
  --seed    workload seed (default 1); the file is cached per rows+seed in the out folder
  --only    comma-separated loaders to run (default: all six)
  --repeat  rounds (default 1); each round runs every loader, starting one loader later than the
            round before, and the report gives each loader's median round (times of all rounds in JSON)
  --parallel  passed to litebridge snapshot (default: litebridge's own default)
  --pg-url  superuser URL of an existing PostgreSQL instead of the embedded one
  --fast    start the embedded PostgreSQL with fsync=off (default: durable settings)
  --keep    keep the loaded databases and working copies for inspection
  --out     output folder (default bench/out)`;

async function main(): Promise<void> {
  const values = benchArgs(USAGE, {
    ...workloadOptions('2000000'),
    only: { type: 'string' },
    repeat: { type: 'string', default: '1' },
    parallel: { type: 'string' },
    ...PG_OPTIONS,
    keep: { type: 'boolean', default: false },
  });
  if (values === null) return;
  const { rows, seed } = workloadArgs(values);
  const repeat = parseCount(values.repeat, '--repeat');
  const tools = (values.only?.split(',').map((t) => t.trim()) ?? [...TOOLS]) as Tool[];
  const unknown = tools.filter((t) => !(TOOLS as readonly string[]).includes(t));
  if (unknown.length > 0)
    throw new Error(`--only: unknown loader(s) ${unknown.join(', ')}; choose from ${TOOLS.join(', ')}`);
  const outDir = values.out;

  const machine = machineInfo();
  const workload = cachedWorkload(outDir, rows, seed, log);

  await withBenchServer(values, async (server) => {
    const { adminUrl, postgres } = server;
    const rounds = new Map<Tool, ToolResult[]>(tools.map((t) => [t, []]));
    for (let round = 0; round < repeat; round++) {
      // Rotate the order, so no loader is always the first after the server starts.
      const order = tools.map((_, i) => tools[(i + round) % tools.length]!);
      if (repeat > 1) log(`round ${round + 1} of ${repeat}: ${order.join(', ')}`);
      for (const tool of order) {
        const result = await runTool(tool, {
          outDir,
          workload,
          rows,
          adminUrl,
          serverPid: server.pid,
          keep: values.keep,
          litebridgeArgs:
            values.parallel === undefined
              ? []
              : ['--parallel', String(parseCount(values.parallel, '--parallel'))],
          log,
        });
        if (result.status === 'skipped') log(`${tool}: skipped: ${result.reason}`);
        rounds.get(tool)!.push(result);
      }
    }
    const results = tools.map((tool) => medianRound(rounds.get(tool)!));
    const report = markdownReport({
      machine,
      postgres,
      rows,
      seed,
      workloadBytes: statSync(workload).size,
      results,
    });
    process.stdout.write(report);
    const jsonPath = resultPath(outDir, 'snapshot', machine);
    const json = {
      machine,
      postgres,
      fastServer: values.fast,
      workload: { rows, seed, path: workload },
      results,
      rounds: Object.fromEntries([...rounds].map(([tool, rs]) => [tool, rs.map((r) => r.wallMs ?? null)])),
      ratios: ratios(results),
    };
    writeJson(jsonPath, json);
    log(`wrote ${jsonPath}`);
  });
}

/** The round with the median wall time (a failed or skipped round if there is one). */
function medianRound(results: readonly ToolResult[]): ToolResult {
  const unfinished = results.find((r) => r.wallMs === undefined || r.status !== 'ok');
  if (unfinished !== undefined) return unfinished;
  const sorted = [...results].sort((a, b) => a.wallMs! - b.wallMs!);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return results.length === 1 ? median : { ...median, rounds: results.map((r) => r.wallMs!) };
}

runBench(main, USAGE);

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/config.js';
import { BridgeError, fromSpawnError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { percentile } from '../log/percentile.js';
import { builtModule } from '../package-files.js';
import type { BatchStats, SyncResult } from '../pipeline/run-sync.js';
import { readStatus } from '../pipeline/status.js';
import { startSync } from '../pipeline/sync-control.js';
import type { VatsimLiveCounters } from '../workload/vatsim-live.js';
import type { StepOutput } from './command.js';

/** How the live part of the demo runs. */
export interface LiveDemoOptions {
  readonly sqlite: string;
  readonly eventsPerSecond: number;
  /** Stop after this many seconds; undefined: run until `stop` resolves. */
  readonly liveSeconds?: number | undefined;
  /** Resolves when the operator asks to stop (Ctrl-C). */
  readonly stop: Promise<void>;
  /**
   * Where the status line goes: redrawn in place every second on a terminal; otherwise one
   * plain line every `plainEveryMs` (a file, a container log). Undefined: no status line (--json).
   */
  readonly steps?: StepOutput | undefined;
  /** Seconds between plain status lines (default 5). */
  readonly plainEverySeconds?: number;
}

/** What the live part did. */
export interface LiveDemoResult {
  readonly writer: VatsimLiveCounters;
  readonly sync: SyncResult;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
}

const WINDOW_MS = 10_000;
const DRAIN_MS = 15_000;
const TTY_EVERY_MS = 1000;

/** The writer's entry: next to this file once built; from the sources, in dist/. */
function writerEntry(): string {
  const found = builtModule('workload/vatsim-live-main.js');
  if (found === null) {
    throw new BridgeError('BAD_STATE', 'the live writer is not built', { hint: 'run `npm run build`' });
  }
  return fileURLToPath(found);
}

/** The p-th percentile of unsorted lags, rounded to the millisecond. */
const percentileOf = (values: readonly number[], p: number): number =>
  Math.round(
    percentile(
      [...values].sort((a, b) => a - b),
      p,
    ),
  );

/**
 * Runs sync in this process and the live VATSIM-like writer as a child process, with a status
 * line (events/s applied and lag p50/p99 over the last 10 s, backlog). Stops when `stop`
 * resolves or after `liveSeconds`: the writer first, then sync applies what is left (up to 15 s)
 * and commits its batch. The caller stops PostgreSQL after.
 */
export async function runLiveDemo(
  config: Config,
  log: Logger,
  options: LiveDemoOptions,
): Promise<LiveDemoResult> {
  const batches: { readonly at: number; readonly stats: BatchStats }[] = [];
  const allLags: number[] = [];
  const sync = startSync(config, log, {
    pollMs: 50,
    onBatch: (stats) => {
      batches.push({ at: Date.now(), stats });
      allLags.push(stats.lagMs);
    },
  });
  const syncing = sync.done;
  let syncFailed = false;
  syncing.catch(() => {
    syncFailed = true;
  });
  const entry = writerEntry();
  const writer: ChildProcess = spawn(
    process.execPath,
    [entry, '--sqlite', options.sqlite, '--events-per-second', String(options.eventsPerSecond)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let writerOut = '';
  writer.stdout?.on('data', (chunk: Buffer) => {
    writerOut += chunk.toString();
  });
  writer.stderr?.on('data', (chunk: Buffer) => {
    writerOut += chunk.toString();
  });
  let writerFailure: BridgeError | undefined;
  const writerExited = new Promise<void>((resolve) => {
    writer.once('exit', () => resolve());
    writer.once('error', (error) => {
      writerFailure = fromSpawnError(error, 'BAD_STATE', 'cannot start the live writer', {
        binary: process.execPath,
        hint: `this user must be able to run ${process.execPath} and read ${entry}`,
      });
      resolve();
    });
  });

  const steps = options.steps;
  let backlog = 0;
  const report = async (): Promise<void> => {
    const now = Date.now();
    while (batches.length > 0 && batches[0]!.at < now - WINDOW_MS) batches.shift();
    const lags = batches.map((b) => b.stats.lagMs);
    const events = batches.reduce((sum, b) => sum + b.stats.events, 0);
    backlog = await readStatus(config)
      .then((s) => s.backlog ?? backlog)
      .catch(() => backlog);
    const line = `${Math.round(events / (WINDOW_MS / 1000))} events/s applied | lag p50 ${percentileOf(lags, 50)} ms, p99 ${percentileOf(lags, 99)} ms (last 10 s) | backlog ${backlog} events`;
    if (steps?.tty === true) steps.write(`\r\x1b[2K${line}`);
    else steps?.write(`live: ${line}\n`);
  };
  const everyMs = steps?.tty === true ? TTY_EVERY_MS : (options.plainEverySeconds ?? 5) * 1000;
  const timer = steps === undefined ? undefined : setInterval(() => void report(), everyMs);

  await new Promise<void>((done) => {
    const deadline =
      options.liveSeconds === undefined ? undefined : setTimeout(done, options.liveSeconds * 1000);
    const stop = (): void => {
      clearTimeout(deadline);
      done();
    };
    void options.stop.then(stop);
    void syncing.then(stop, stop);
    void writerExited.then(stop);
  });
  clearInterval(timer);
  steps?.write(`${steps.tty ? '\n' : ''}stopping: the writer first, then sync, then PostgreSQL\n`);
  writer.kill('SIGTERM');
  await writerExited;
  if (writerFailure !== undefined) {
    sync.stop();
    await syncing.catch(() => undefined);
    throw writerFailure;
  }
  // Let sync apply what the writer committed last, then stop it: it commits the batch in flight.
  const until = Date.now() + DRAIN_MS;
  while (!syncFailed && Date.now() < until) {
    const status = await readStatus(config).catch(() => null);
    if (status !== null && status.backlog === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  sync.stop();
  const synced = await syncing;
  return {
    writer: parseCounters(writerOut),
    sync: synced,
    lagP50Ms: percentileOf(allLags, 50),
    lagP99Ms: percentileOf(allLags, 99),
  };
}

function parseCounters(output: string): VatsimLiveCounters {
  const line = output
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (line === undefined) {
    throw new BridgeError('SOURCE', 'the live writer stopped without its counters', {
      details: { output: output.trim() },
      hint: 'the writer’s output above says why',
    });
  }
  return JSON.parse(line) as VatsimLiveCounters;
}

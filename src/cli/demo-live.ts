import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Subject } from 'rxjs';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { percentile } from '../log/percentile.js';
import { type BatchStats, runSync, type SyncResult } from '../pipeline/run-sync.js';
import { readStatus } from '../pipeline/status.js';
import type { VatsimLiveCounters } from '../workload/vatsim-live.js';

/** How the live part of the demo runs. */
export interface LiveDemoOptions {
  readonly sqlite: string;
  readonly eventsPerSecond: number;
  /** Stop after this many seconds; undefined: run until SIGINT/SIGTERM. */
  readonly liveSeconds?: number | undefined;
  /** Printed once above the status line. */
  readonly header: string;
  /** Where the status line goes (redrawn every second when it is a terminal; silent otherwise). */
  readonly stream: NodeJS.WriteStream;
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

/** The writer's entry: next to this file once built; from the sources, in dist/. */
function writerEntry(): string {
  const candidates = [
    new URL('../workload/vatsim-live-main.js', import.meta.url),
    new URL('../../dist/src/workload/vatsim-live-main.js', import.meta.url),
  ].map((u) => fileURLToPath(u));
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) throw new Error('the live writer is not built: run `npm run build`');
  return found;
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
 * Runs sync in this process and the live VATSIM-like writer as a child process, with one status
 * line (events/s applied and lag p50/p99 over the last 10 s, backlog) redrawn every second.
 * Stops on SIGINT/SIGTERM or after `liveSeconds`: the writer first, then sync applies what is
 * left (up to 15 s) and commits its batch.
 */
export async function runLiveDemo(
  config: Config,
  log: Logger,
  options: LiveDemoOptions,
): Promise<LiveDemoResult> {
  const batches: { readonly at: number; readonly stats: BatchStats }[] = [];
  const allLags: number[] = [];
  const shutdown$ = new Subject<void>();
  const syncing = runSync(config, log, {
    shutdown$,
    pollMs: 50,
    onBatch: (stats) => {
      batches.push({ at: Date.now(), stats });
      allLags.push(stats.lagMs);
    },
  });
  let syncFailed = false;
  syncing.catch(() => {
    syncFailed = true;
  });
  const writer: ChildProcess = spawn(
    process.execPath,
    [writerEntry(), '--sqlite', options.sqlite, '--events-per-second', String(options.eventsPerSecond)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let writerOut = '';
  writer.stdout?.on('data', (chunk: Buffer) => {
    writerOut += chunk.toString();
  });
  writer.stderr?.on('data', (chunk: Buffer) => {
    writerOut += chunk.toString();
  });
  const writerExited = new Promise<void>((resolve) => writer.once('exit', () => resolve()));

  const tty = options.stream.isTTY === true;
  if (tty) options.stream.write(options.header);
  let backlog = 0;
  const redraw = async (): Promise<void> => {
    const now = Date.now();
    while (batches.length > 0 && batches[0]!.at < now - WINDOW_MS) batches.shift();
    const lags = batches.map((b) => b.stats.lagMs);
    const events = batches.reduce((sum, b) => sum + b.stats.events, 0);
    backlog = await readStatus(config)
      .then((s) => s.backlog ?? backlog)
      .catch(() => backlog);
    if (tty) {
      options.stream.write(
        `\r\x1b[2K${Math.round(events / (WINDOW_MS / 1000))} events/s applied | lag p50 ${percentileOf(lags, 50)} ms, p99 ${percentileOf(lags, 99)} ms (last 10 s) | backlog ${backlog} events`,
      );
    }
  };
  const timer = setInterval(() => void redraw(), 1000);

  await new Promise<void>((done) => {
    const stop = (): void => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      clearTimeout(deadline);
      done();
    };
    const deadline =
      options.liveSeconds === undefined ? undefined : setTimeout(stop, options.liveSeconds * 1000);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    void syncing.then(stop, stop);
  });
  clearInterval(timer);
  if (tty) options.stream.write('\nstopping: the writer first, then sync\n');
  writer.kill('SIGTERM');
  await writerExited;
  const counters = parseCounters(writerOut);
  // Let sync apply what the writer committed last, then stop it: it commits the batch in flight.
  const until = Date.now() + DRAIN_MS;
  while (!syncFailed && Date.now() < until) {
    const status = await readStatus(config).catch(() => null);
    if (status !== null && status.backlog === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  shutdown$.next();
  shutdown$.complete();
  const sync = await syncing;
  return {
    writer: counters,
    sync,
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
  if (line === undefined) throw new Error(`the live writer printed no counters: ${output.trim()}`);
  return JSON.parse(line) as VatsimLiveCounters;
}

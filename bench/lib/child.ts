/** Child processes and polling for the benches. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { CLI, WRITER } from './harness.js';
import { TreeSampler } from './measure.js';
import { cpuSeconds } from './proc-stat.js';

/** A child process whose exit can be awaited, with its stdout collected when asked for. */
export interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  /** What it wrote to stdout so far ('' unless started with `captureStdout`). */
  stdout(): string;
}

/** Starts `command`; stderr (and stdout unless captured) append to `logPath`. */
export function startChild(
  command: string,
  args: readonly string[],
  logPath: string,
  captureStdout = false,
): Child {
  const fd = openSync(logPath, 'a');
  const child = spawn(command, [...args], { stdio: ['ignore', captureStdout ? 'pipe' : fd, fd] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return {
    process: child,
    stdout: () => out,
    exited: new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => {
        closeSync(fd);
        resolve(code);
      });
    }),
  };
}

/** Polls `probe` every `everyMs` until it gives a value (not null); errors it throws propagate. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null>,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends SIGTERM and waits for the exit; gives the exit code. */
export function stopChild(child: Child): Promise<number | null> {
  child.process.kill('SIGTERM');
  return child.exited;
}

/** `litebridge sync --poll 50` (plus `extra` flags) from `sqlite` into `url`, its output appended to `logPath`. */
export function startSync(
  sqlite: string,
  url: string,
  logPath: string,
  extra: readonly string[] = [],
): Child {
  return startChild(CLI, ['sync', '--sqlite', sqlite, '--pg', url, '--poll', '50', ...extra], logPath);
}

/** The live writer committing to `sqlite` (`args`: its flags); stdout (its counters as JSON) captured when asked. */
export function startWriter(
  sqlite: string,
  args: readonly string[],
  logPath: string,
  captureStdout = false,
): Child {
  return startChild(process.execPath, [WRITER, '--sqlite', sqlite, ...args], logPath, captureStdout);
}

/** Runs `litebridge <args> --json` to its end (stderr appended to `logPath`); gives its parsed output. */
export async function cliJson(args: readonly string[], logPath: string): Promise<Record<string, unknown>> {
  const child = startChild(CLI, [...args, '--json'], logPath, true);
  const code = await child.exited;
  if (code !== 0) throw new Error(`litebridge ${args[0]} exited ${code}: ${child.stdout().trim()}`);
  return JSON.parse(child.stdout()) as Record<string, unknown>;
}

/** `litebridge snapshot` of `sqlite` into `url`, a process of its own showing only errors; throws if it fails. */
export function cliSnapshot(sqlite: string, url: string): void {
  const r = spawnSync(CLI, ['snapshot', '--sqlite', sqlite, '--pg', url], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, LITEBRIDGE_LOG_LEVEL: 'error' },
  });
  if (r.status !== 0) throw new Error(`litebridge snapshot failed (exit ${r.status ?? r.signal})`);
}

/** What one sync process used over a window: CPU (% of one core) and peak RSS. */
export interface SyncCost {
  readonly cpuPercent: number;
  readonly peakRssMb: number;
}

/** `litebridge sync` (see {@link startSync}) with its CPU and memory measured. */
export class SyncProcess {
  readonly child: Child;
  readonly #sampler = new TreeSampler(100);
  #cpuStart = 0;
  #wallStart = 0;

  constructor(sqlite: string, url: string, logPath: string, extra: readonly string[]) {
    this.child = startSync(sqlite, url, logPath, extra);
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
    const code = await stopChild(this.child);
    if (code !== 0) throw new Error(`sync exited with ${code} after SIGTERM (see the sync log)`);
    return { cpuPercent: (cpu / wall) * 100, peakRssMb };
  }
}

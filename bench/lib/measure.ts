import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { ownAndChildrenCpuSeconds, serverCpuSeconds } from './proc-stat.js';

/** Wall time, CPU and memory of one measured piece of work. */
export interface Measurement<T> {
  readonly result: T;
  readonly wallMs: number;
  /** Peak resident memory of the watched process trees, MiB (sum over live processes, or the largest VmHWM). */
  readonly peakRssMb: number;
  /** CPU seconds of this process and of the children it ran and waited for (the loader). */
  readonly cpuSeconds: number;
  /** CPU seconds of the PostgreSQL server meanwhile (null when its process is not known). */
  readonly serverCpuSeconds: number | null;
}

/** How a child process ended. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Samples the resident memory of process trees every `intervalMs` through /proc: each root pid
 * and all of its descendants. Linux only; elsewhere it reports 0.
 */
export class TreeSampler {
  readonly #roots = new Set<number>();
  readonly #hwmKb = new Map<number, number>();
  #peakSumKb = 0;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(readonly intervalMs = 50) {}

  /** Adds a process (and, from now on, its descendants) to the sampled set. */
  watch(pid: number | undefined): void {
    if (pid !== undefined) this.#roots.add(pid);
  }

  start(): void {
    this.#timer = setInterval(() => void this.#sample(), this.intervalMs);
  }

  /** Stops sampling and returns the peak in MiB. */
  async stop(): Promise<number> {
    clearInterval(this.#timer);
    await this.#sample();
    const maxHwm = Math.max(0, ...this.#hwmKb.values());
    return Math.max(this.#peakSumKb, maxHwm) / 1024;
  }

  async #sample(): Promise<void> {
    if (this.#busy || this.#roots.size === 0) return;
    this.#busy = true;
    try {
      const pids = await treeOf(this.#roots);
      let sum = 0;
      for (const pid of pids) {
        const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
        const rss = kb(status, 'VmRSS');
        const hwm = kb(status, 'VmHWM');
        sum += rss;
        if (hwm > (this.#hwmKb.get(pid) ?? 0)) this.#hwmKb.set(pid, hwm);
      }
      if (sum > this.#peakSumKb) this.#peakSumKb = sum;
    } finally {
      this.#busy = false;
    }
  }
}

function kb(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

/**
 * The given pids that still exist plus all their descendants, walked down through each thread's
 * `/proc/<pid>/task/<tid>/children`: a few small reads per sample (scanning every process's
 * `/proc/<pid>/stat` 20 times a second took CPU from the loader it measures: litebridge's
 * snapshot went from 12.9 to 11.2 CPU-seconds in the snapshot bench).
 */
async function treeOf(roots: ReadonlySet<number>): Promise<Set<number>> {
  const tree = new Set<number>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (tree.has(pid)) continue;
    const tasks = await readdir(`/proc/${pid}/task`).catch(() => null);
    if (tasks === null) continue; // gone
    tree.add(pid);
    for (const task of tasks) {
      const children = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
      for (const child of children.split(' ')) if (/^\d+$/.test(child)) queue.push(Number(child));
    }
  }
  return tree;
}

/** Runs `work`, timing it and sampling the memory of every process it registers with the sampler. */
export async function measure<T>(
  work: (sampler: TreeSampler) => Promise<T>,
  serverPid: number | null = null,
): Promise<Measurement<T>> {
  const sampler = new TreeSampler();
  const server = (): number | null => (serverPid === null ? null : serverCpuSeconds(serverPid));
  const serverBefore = server();
  const cpuBefore = ownAndChildrenCpuSeconds();
  sampler.start();
  const started = process.hrtime.bigint();
  try {
    const result = await work(sampler);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const cpuSeconds = ownAndChildrenCpuSeconds() - cpuBefore;
    const serverAfter = server();
    const serverCpu = serverBefore === null || serverAfter === null ? null : serverAfter - serverBefore;
    return { result, wallMs, peakRssMb: await sampler.stop(), cpuSeconds, serverCpuSeconds: serverCpu };
  } catch (error) {
    await sampler.stop();
    throw error;
  }
}

/** Spawns a command with its output appended to `logPath`, watched by `sampler`; resolves when it exits. */
export function run(
  sampler: TreeSampler,
  command: string,
  args: readonly string[],
  logPath: string,
): Promise<ExitStatus> {
  const fd = openSync(logPath, 'a');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
    sampler.watch(child.pid);
    child.once('error', (error) => {
      closeSync(fd);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      closeSync(fd);
      resolve({ code, signal });
    });
  });
}

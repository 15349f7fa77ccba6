/** Child processes and polling for the benches. */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

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

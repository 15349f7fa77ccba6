/** Child processes the fault tests start and kill: the built CLI, or a node script. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

/** The built command line (`npm test` builds first), run as the operator runs it. */
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** How a child process ended, and what it wrote. */
export interface ChildExit {
  /** Exit code; null when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it (e.g. 'SIGKILL'); null when it exited by itself. */
  readonly signal: NodeJS.Signals | null;
  /** Everything it wrote to stdout. */
  readonly out: string;
  /** Everything it wrote to stderr. */
  readonly err: string;
}

/** A child process of the test, its stdout and stderr collected from its start. */
export interface TestChild {
  /** The process itself. */
  readonly process: ChildProcess;
  /** Resolves once it has ended and its output is closed. */
  readonly ended: Promise<ChildExit>;
  /** Sends `signal` (SIGKILL unless told) and resolves once it has ended; an ended child is left alone. */
  kill(signal?: NodeJS.Signals): Promise<ChildExit>;
}

/** Options of `startChild`. */
export interface ChildOptions {
  /** Working directory (default: this process's). */
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Children still running; whatever a failed test left behind is SIGKILLed after its file. */
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `command` with stdin closed and its output collected. */
export function startChild(command: string, args: readonly string[], options: ChildOptions = {}): TestChild {
  const child = spawn(command, [...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += String(d)));
  child.stderr?.on('data', (d) => (err += String(d)));
  // 'close' comes after 'exit' once stdout and stderr are drained, so the output is whole.
  const ended = new Promise<ChildExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, out, err }));
  });
  return {
    process: child,
    ended,
    kill: (signal = 'SIGKILL') => {
      child.kill(signal);
      return ended;
    },
  };
}

/** Starts the built `litebridge` with `args`, logging errors only. */
export function startCli(args: readonly string[]): TestChild {
  return startChild(CLI, args, { env: { LITEBRIDGE_LOG_LEVEL: 'error' } });
}

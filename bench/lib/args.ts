import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ROOT } from './harness.js';

/**
 * `--rows N` (default `rows`) and `--seed N` (default 1): the collector-shaped workload a bench runs
 * on; `--out DIR`: its output folder, where the workload is cached (default bench/out of the repository).
 */
export function workloadOptions(rows: string) {
  return {
    rows: { type: 'string', default: rows },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: join(ROOT, 'bench', 'out') },
  } as const;
}

/** The `--rows` and `--seed` counts (each ≥ `min`). */
export function workloadArgs(
  values: { rows: string; seed: string },
  min = 0,
): { rows: number; seed: number } {
  return { rows: parseCount(values.rows, '--rows', min), seed: parseCount(values.seed, '--seed', min) };
}

/** `--pg-url URL` and `--fast`: which PostgreSQL a bench loads into (see withBenchServer). */
export const PG_OPTIONS = {
  'pg-url': { type: 'string' },
  fast: { type: 'boolean', default: false },
} as const;

const HELP = { help: { type: 'boolean', default: false } } as const;

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: typeof HELP & O }>>['values'];

/**
 * A bench's command line: its `options` and `--help`. With `--help` it prints `usage` and gives
 * null (nothing to run); otherwise the values, the `--out` folder (where the bench has one) created.
 */
export function benchArgs<O extends Options>(usage: string, options: O): Values<O> | null {
  const values: Record<string, unknown> = parseArgs({ options: { ...HELP, ...options } }).values;
  if (values.help === true) {
    process.stdout.write(`${usage}\n`);
    return null;
  }
  if (typeof values.out === 'string') mkdirSync(values.out, { recursive: true });
  return values as unknown as Values<O>;
}

/** A count flag (`2_000_000` allowed): a safe integer ≥ `min`, or an error naming the flag. */
export function parseCount(value: string, flag: string, min = 0): number {
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < min)
    throw new Error(`${flag} must be an integer ≥ ${min}, got ${value}`);
  return n;
}

/** Runs a bench's `main`; a failure prints its stack and the usage, and exits 1. */
export function runBench(main: () => Promise<void>, usage: string): void {
  main().catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n${usage}\n`,
    );
    process.exitCode = 1;
  });
}

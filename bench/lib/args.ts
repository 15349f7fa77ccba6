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

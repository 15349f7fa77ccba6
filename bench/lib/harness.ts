/** What every bench shares: where the repository and its built programs are, the log, number format, result files. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MachineInfo } from './machine.js';

/** The repository: this file runs as dist/bench/lib/harness.js. */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The built `litebridge` command (run through its shebang, as the bin runs). */
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** The live VATSIM-like writer, a process of its own as the application is. */
export const WRITER = join(ROOT, 'dist', 'src', 'workload', 'vatsim-live-main.js');

/** A progress line on stderr, `[bench] …` (the report itself goes to stdout). */
export function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** A whole number with thousands separators: `1,234,567`. */
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Writes `value` as indented JSON (`replacer` as JSON.stringify's) to `path`. */
export function writeJson(
  path: string,
  value: unknown,
  replacer?: (key: string, value: unknown) => unknown,
): void {
  writeFileSync(path, `${JSON.stringify(value, replacer, 2)}\n`);
}

/** `<outDir>/<name>-<date and time the run started>.json`: the file a run's result goes to. */
export function resultPath(outDir: string, name: string, machine: MachineInfo): string {
  const stamp = machine.date.replace(/[:]/g, '').replace(/\..*$/, '');
  return join(outDir, `${name}-${stamp}.json`);
}

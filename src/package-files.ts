/**
 * Files of the package found at run time, whether litebridge runs compiled (`dist/src/…`) or
 * from its TypeScript sources (tests, which load worker scripts from the build).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The first of `candidates` (relative to this module) that exists, or null. */
function firstExisting(candidates: readonly string[]): URL | null {
  for (const candidate of candidates) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  return null;
}

/**
 * A compiled module, by its path under `src/` (`'pipeline/copy-worker.js'`): next to this file
 * once built; from the TypeScript sources, the build's copy in `dist/`. Null when not built.
 */
export function builtModule(path: string): URL | null {
  return firstExisting([`./${path}`, `../dist/src/${path}`]);
}

/**
 * Reads a file under the package's `sql/` folder, from the TypeScript sources (tests) as from
 * the compiled `dist/src` tree.
 */
export function readSqlFile(relative: string): string {
  const url = firstExisting([`../sql/${relative}`, `../../sql/${relative}`]);
  if (url === null) throw new Error(`litebridge is installed without its sql/${relative}`);
  return readFileSync(url, 'utf8');
}

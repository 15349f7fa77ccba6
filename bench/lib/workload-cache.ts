import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { buildVatsimDatabase } from '../../src/workload/vatsim.js';

/**
 * The collector-shaped file for `rows` and `seed`, built once into `dir` and reused by later runs
 * (the generator is deterministic, so the cache key is all there is to it).
 */
export function cachedWorkload(dir: string, rows: number, seed: number, log: (line: string) => void): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `vatsim-${rows}-seed${seed}.db`);
  if (existsSync(path)) {
    log(`workload: reusing ${path}`);
    return path;
  }
  const building = `${path}.building`;
  const started = performance.now();
  let lastShown = 0;
  buildVatsimDatabase(building, {
    rows,
    seed,
    journalMode: 'wal',
    onProgress: (p) => {
      const pct = Math.floor((p.rowsDone / Math.max(p.rowsTotal, 1)) * 100);
      if (pct >= lastShown + 10) {
        lastShown = pct;
        log(`workload: ${pct}% (${p.table})`);
      }
    },
  });
  renameSync(building, path);
  log(`workload: built ${rows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s → ${path}`);
  return path;
}

/** A fresh copy of `source` at `target` (the loaders may write to their source: triggers, changelog). */
export function workingCopy(source: string, target: string): string {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(target + suffix, { force: true });
  copyFileSync(source, target);
  // Flush the copy now: its writeback must not compete with the loader that is timed next.
  const fd = openSync(target, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return target;
}

import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, onTestFinished } from 'vitest';

/** The real collector database, read-only, in `test/fixtures/` (provenance in its README). */
export const VATSIM_FIXTURE = fileURLToPath(
  new URL('../fixtures/vatsim-collector-2025-07-24.db', import.meta.url),
);

const leftovers = new Set<string>();
const removeLeftovers = (): void => {
  for (const dir of leftovers) rmSync(dir, { recursive: true, force: true });
  leftovers.clear();
};
// Folders made outside a test (beforeAll, describe) go when the test file is done: this module is
// evaluated while each test file is collected, so this hook belongs to that file.
afterAll(removeLeftovers);
process.once('exit', removeLeftovers);

function removeLater(dir: string): void {
  leftovers.add(dir);
  const remove = (): void => {
    leftovers.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    onTestFinished(remove); // inside a test: removed when it ends
  } catch {
    // in beforeAll or at file level: removed by the file-level afterAll above
  }
}

/**
 * A path for a SQLite file (not created) in a new temporary folder, removed after the test
 * (or, outside a test, when the test file is done). Its `-wal`/`-journal` files go there too.
 */
export function tempSqlite(name = 'test.db'): string {
  const dir = mkdtempSync(join(tmpdir(), 'litebridge-sqlite-'));
  removeLater(dir);
  return join(dir, name);
}

/** A writable copy of the real collector database in a temporary folder; returns its path. */
export function copyFixture(): string {
  const path = tempSqlite('vatsim-collector.db');
  copyFileSync(VATSIM_FIXTURE, path);
  chmodSync(path, 0o644);
  return path;
}

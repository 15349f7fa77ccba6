import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Reads a file under the package's `sql/` folder, from the TypeScript sources (tests) as from
 * the compiled `dist/src` tree.
 */
export function readSqlFile(relative: string): string {
  for (const up of ['../sql/', '../../sql/']) {
    const path = fileURLToPath(new URL(up + relative, import.meta.url));
    if (existsSync(path)) return readFileSync(path, 'utf8');
  }
  throw new Error(`litebridge is installed without its sql/${relative}`);
}

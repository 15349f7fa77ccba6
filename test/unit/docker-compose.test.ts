import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');

/** The litebridge service's block of docker-compose.yml (to the next top-level key). */
const service = compose.slice(compose.indexOf('\n  litebridge:'), compose.indexOf('\nvolumes:'));

it("docker-compose.yml mounts the SQLite file's directory, never the file alone, and runs as its owner", () => {
  const volumes = service
    .slice(service.indexOf('volumes:'))
    .split('\n')
    .filter((l) => /^\s+- /.test(l));
  expect(volumes).toEqual([`      - $\{SQLITE_DIR:-./data}:/data`]);
  expect(service).toMatch(/SQLITE_PATH: \/data\/\$\{SQLITE_NAME:-app\.db\}/);
  expect(service).toMatch(/^ {4}user: "\$\{LITEBRIDGE_USER:-1000:1000\}"$/m);
});

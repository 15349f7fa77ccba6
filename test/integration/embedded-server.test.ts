import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { BridgeError } from '../../src/errors.js';
import { startEmbeddedPostgres } from '../../src/pg/embedded-server.js';

const dir = mkdtempSync(join(tmpdir(), 'litebridge-embedded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a PostgreSQL binary that cannot run is a TARGET error naming it and the fix, never an unhandled event', async () => {
  const install = join(dir, 'install');
  mkdirSync(join(install, 'bin'), { recursive: true });
  mkdirSync(join(install, 'lib'));
  mkdirSync(join(install, 'share'));
  writeFileSync(join(install, 'bin', 'initdb'), 'not a program', { mode: 0o644 }); // EACCES
  const failure = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), installDir: install }).then(
    () => null,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(BridgeError);
  expect(failure).toMatchObject({
    code: 'TARGET',
    message: expect.stringMatching(/^cannot start PostgreSQL's initdb: spawn .*initdb EACCES$/),
    // As root, binaries out of the postgres user's reach run from hard links in a private folder.
    details: { binary: expect.stringMatching(/\/bin\/initdb$/), errno: 'EACCES' },
    hint: expect.stringMatching(/must be able to run .*initdb/),
  });
});

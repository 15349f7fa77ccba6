import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'litebridge-demo-'));
chmodSync(dir, 0o755); // PostgreSQL runs as its own user when the tests run as root
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('npm start: builds the VATSIM-like file, starts PostgreSQL, snapshots and verifies equal', async () => {
  let out = '';
  let err = '';
  const code = await main(['demo', '--dir', dir, '--rows', '3000', '--exit'], {
    out: (t) => (out += t),
    err: (t) => (err += t),
  });
  expect(err).toBe('');
  expect(code).toBe(0);
  expect(out).toMatch(/copied 3000 rows from .*vatsim\.db/);
  expect(out).toMatch(/verify: equal, every row and value/);
  expect(out).toMatch(/psql "postgresql:\/\/postgres:litebridge@127\.0\.0\.1:\d+\/postgres"/);
}, 120_000);

it('npm start --live-seconds: sync follows the live writer, then stops with PostgreSQL equal', async () => {
  let out = '';
  let err = '';
  const code = await main(['demo', '--dir', dir, '--rows', '3000', '--live-seconds', '3'], {
    out: (t) => (out += t),
    err: (t) => (err += t),
  });
  expect(err).toBe('');
  expect(code).toBe(0);
  expect(out).toMatch(/live: [1-9]\d* events written, [1-9]\d* applied/);
  expect(out).toMatch(/verify after live sync: equal, every row and value/);
}, 120_000);

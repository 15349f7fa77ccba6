import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { removeEmbeddedData } from '../../src/pg/embedded-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/main.js');
const IS_ROOT = process.getuid?.() === 0;

// A folder of mode 0700, as anyone's own: as root, the server (run as `postgres`) cannot enter it.
const dir = mkdtempSync(join(tmpdir(), 'litebridge-demo-'));
const folders = [dir];
afterAll(async () => {
  for (const folder of folders) {
    // The server's data may be in a private folder behind a link: that goes too.
    await removeEmbeddedData(join(folder, 'pg'));
    await removeEmbeddedData(join(folder, 'litebridge', '.litebridge', 'pg'));
    rmSync(folder, { recursive: true, force: true });
  }
});

/** Runs the built CLI in a process group of its own, output piped (no terminal). */
function startCli(args: readonly string[], cwd = ROOT, cli = CLI) {
  const child: ChildProcess = spawn(process.execPath, [cli, ...args], {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += String(d)));
  child.stderr?.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

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
  expect(out).toMatch(/^demo done: \d+ rows copied and verified equal; PostgreSQL stopped$/m);
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
  expect(out).toMatch(
    /^demo stopped: [1-9]\d* events applied \([1-9]\d* written\), lag p99 \d+ ms, \d+ rows verified equal$/m,
  );
}, 120_000);

it('Ctrl-C (SIGINT to the whole process group), without a terminal: plain steps and status lines, then writer, sync and PostgreSQL stop; exit 0 with a one-line summary', async () => {
  const demo = startCli(['demo', '--dir', dir, '--rows', '3000']);
  const deadline = Date.now() + 90_000;
  // Status lines come every 5 s without a terminal: wait for the second one.
  while ((demo.out().match(/^live: \d+ events\/s applied/gm) ?? []).length < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  process.kill(-demo.child.pid!, 'SIGINT');
  const code = await demo.exited;
  const out = demo.out();
  expect(demo.err()).not.toMatch(/INTERNAL|TARGET/);
  expect(code).toBe(0);
  expect(out).toMatch(/^starting PostgreSQL 18$/m);
  expect(out).toMatch(/^verify: equal, every row and value$/m);
  expect(out).toMatch(
    /^live: \d+ events\/s applied \| lag p50 \d+ ms, p99 \d+ ms \(last 10 s\) \| backlog \d+ events$/m,
  );
  expect(out).toMatch(/^stopping: the writer first, then sync, then PostgreSQL$/m);
  // PostgreSQL was still up after sync stopped: the rows were verified against it.
  expect(out.trimEnd().split('\n').at(-1)).toMatch(
    /^demo stopped: [1-9]\d* events applied \([1-9]\d* written\), lag p99 \d+ ms, [1-9]\d* rows verified equal$/,
  );
  expect(out).not.toMatch(/[\u001b\r]/); // no cursor control
  expect(existsSync(join(dir, 'pg', 'postmaster.pid'))).toBe(false); // and then it was stopped
}, 180_000);

// Only as root does the server run as another user (`postgres`) who cannot enter a 0700 folder;
// any other user's server runs as that user, for whom its own 0700 folder is no obstacle.
it.skipIf(!IS_ROOT)(
  'npm start as root in a clone under a folder of mode 0700 (root-only case): works, and the folder stays 0700',
  async () => {
    const home = mkdtempSync(join(tmpdir(), 'litebridge-home-'));
    folders.push(home);
    const clone = join(home, 'litebridge');
    mkdirSync(clone);
    cpSync(join(ROOT, 'package.json'), join(clone, 'package.json'));
    for (const folder of ['dist', 'sql'])
      cpSync(join(ROOT, folder), join(clone, folder), { recursive: true });
    // Hard links: the clone's own node_modules (with PostgreSQL's binaries) under the 0700 folder.
    execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(clone, 'node_modules')]);
    // No --dir: the default ./.litebridge, inside the clone.
    const demo = startCli(['demo', '--rows', '2000', '--exit'], clone, join(clone, 'dist/src/cli/main.js'));
    const code = await demo.exited;
    expect(demo.err()).toBe('');
    expect(code).toBe(0);
    expect(demo.out()).toMatch(/^verify: equal, every row and value$/m);
    expect(statSync(home).mode & 0o777).toBe(0o700);
  },
  180_000,
);

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { tempSqlite } from '../support/sqlite.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** A private mount namespace needs root and `unshare` (a container may forbid it): else skipped. */
const canMount =
  process.getuid?.() === 0 &&
  spawnSync('unshare', ['-m', '--propagation', 'private', 'true'], { stdio: 'ignore' }).status === 0;

it.skipIf(!canMount)(
  'refuses a WAL-mode file bind-mounted alone (as `-v ./app.db:/data/app.db` does), and accepts its directory mounted',
  () => {
    const host = tempSqlite('app.db');
    const db = new Database(host);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE flights (id INTEGER PRIMARY KEY, callsign TEXT)');
    db.close();
    const container = join(dirname(tempSqlite('unused.db')), 'data');
    mkdirSync(container);
    writeFileSync(join(container, 'app.db'), '');
    const run = (mount: string, target: string, file: string) =>
      spawnSync(
        'unshare',
        [
          '-m',
          '--propagation',
          'private',
          'sh',
          '-c',
          'mount --bind "$1" "$2" && exec "$3" plan --sqlite "$4"',
          'sh',
          mount,
          target,
          CLI,
          file,
        ],
        { encoding: 'utf8', env: { ...process.env, LITEBRIDGE_LOG_LEVEL: 'silent' } },
      );

    const alone = run(host, join(container, 'app.db'), join(container, 'app.db'));
    expect(alone.status).toBe(2);
    expect(alone.stderr).toMatch(/is mounted on its own/);
    expect(alone.stderr).toMatch(/mount the database's directory instead of the file/);

    const directory = run(dirname(host), container, join(container, 'app.db'));
    expect(directory.stderr).toBe('');
    expect(directory.status).toBe(0);
  },
);

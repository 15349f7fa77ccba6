import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { Subject } from 'rxjs';
import { expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { runReverse } from '../../src/reverse/run-reverse.js';
import { openSqlite } from '../../src/sqlite/open.js';
import { runVerify } from '../../src/verify/verify.js';
import { useOwnServer } from '../support/own-server.js';
import { until } from '../support/until.js';
import { cutOverFile, startPgWriter } from './reverse-setup.js';

// synchronous_commit on: a transaction the writer saw commit survives the crash.
const own = useOwnServer('litebridge-reverse-restart-', {
  throwaway: true,
  extraFlags: ['-c', 'synchronous_commit=on'],
});

/** Stops the server in immediate mode (SIGQUIT to the postmaster: no checkpoint, crash recovery on start). */
async function crash(dataDir: string): Promise<void> {
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGQUIT');
  await until(async () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, 30_000);
  await own.current()?.stop(); // the handle forgets the dead process
}

it('survives an immediate-mode PostgreSQL restart mid-stream: reconnects, resumes from SQLite, exact end state', async () => {
  const url = (await own.start()).url('postgres');
  const config = await cutOverFile(url, 'restart');
  const writer = startPgWriter(url);

  const shutdown$ = new Subject<void>();
  let commits = 0;
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const reverse = runReverse(config, log, { shutdown$, onCommit: () => commits++ });
  try {
    await until(async () => commits > 20, 60_000);
    await crash(own.dataDir);
    await new Promise((r) => setTimeout(r, 1000));
    await own.start();
    const afterRestart = commits;
    // Retries back off up to 5 s: reverse applies again within seconds of the server's return.
    await until(async () => commits > afterRestart + 20, 60_000);
  } finally {
    const written = await writer.stop();
    expect(written.commits).toBeGreaterThan(40);
  }
  await until(async () => (await runVerify(config, silentLogger)).equal, 60_000);
  shutdown$.next();
  const result = await reverse;
  expect(result.transactions).toBeGreaterThan(40);
  // It did lose the server and reconnect from the position SQLite stored.
  expect(warnings.some((w) => w.includes('reverse replication reconnecting'))).toBe(true);

  const sqlite = openSqlite(config.sqlitePath, { readonly: true });
  const late = sqlite.prepare('SELECT count(*) AS n, max(n) AS top FROM late').get() as {
    n: bigint;
    top: bigint;
  };
  const payload = sqlite.prepare('SELECT payload FROM big WHERE id = 1').pluck().get();
  sqlite.close();
  expect(payload).toBe(`changed ${late.top}`);
}, 240_000);

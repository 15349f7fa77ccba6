import { expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { openSqlite } from '../../src/sqlite/open.js';
import { runVerify } from '../../src/verify/verify.js';
import { useTestDatabase } from '../support/pg.js';
import { until } from '../support/until.js';
import { cutOverFile, startPgWriter, startReverse, storedLsn, untilStreaming } from './reverse-setup.js';

const db = useTestDatabase();
const TRIALS = 12;

it(`survives ${TRIALS} SIGKILLs of the process streaming PostgreSQL's changes into SQLite: nothing lost or doubled`, async () => {
  const config = await cutOverFile(db.url(), 'sigkill');
  const writer = startPgWriter(db.url());
  let stderr = '';
  const progress: bigint[] = [];
  try {
    for (let trial = 0; trial < TRIALS; trial++) {
      const reverse = startReverse(config);
      await untilStreaming(db.url());
      await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 600)));
      const killed = await reverse.kill('SIGKILL');
      stderr += killed.err;
      expect(killed.signal).toBe('SIGKILL');
      progress.push(storedLsn(config));
    }
  } finally {
    const written = await writer.stop();
    expect(written.errors).toBe(0);
    expect(written.commits).toBeGreaterThan(20);
  }
  // The killed runs streamed: the stored position moved while they ran.
  expect(progress.at(-1)! > progress[0]!).toBe(true);

  // A last run catches up; SIGTERM then stops it cleanly.
  const reverse = startReverse(config);
  await until(async () => (await runVerify(config, silentLogger)).equal, 60_000);
  const stopped = await reverse.kill('SIGTERM');
  stderr += stopped.err;
  expect(stopped).toMatchObject({ code: 0, signal: null });
  expect(stderr).toBe('');

  // Every committed transaction is in SQLite exactly once, with the last value it wrote.
  const sqlite = openSqlite(config.sqlitePath, { readonly: true });
  const late = sqlite.prepare('SELECT count(*) AS n, max(n) AS top FROM late').get() as {
    n: bigint;
    top: bigint;
  };
  const payload = sqlite.prepare('SELECT payload FROM big WHERE id = 1').pluck().get();
  const changelog = sqlite.prepare('SELECT count(*) FROM _litebridge_changelog').pluck().get();
  sqlite.close();
  const pg = await db.query<{ n: string; top: string }>('SELECT count(*) AS n, max(n) AS top FROM late');
  expect(late.n).toBe(BigInt(pg.rows[0]!.n));
  expect(payload).toBe(`changed ${late.top}`);
  expect(changelog).toBe(0n);
}, 180_000);

import Database from 'better-sqlite3';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { runSync } from '../../src/pipeline/run-sync.js';
import { runDriftReport } from '../../src/verify/drift-report.js';
import { runAppSteps, startAppWriter, writerWorkloadFile } from '../support/app-writer.js';
import { verify } from '../support/bridge.js';
import { untilSnapshotted } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();
const SCHEMA = 'migrate';
const ROUNDS = 6;
const FILLER_TABLES = 40;

/**
 * One round of an application's migrations, `r` naming what it adds, run in another process:
 * first a burst in ONE call (several statements, each its own autocommit, as
 * `sqlite3 app.db < migrate.sql` runs them), then the same kinds of changes spread over separate
 * calls with random pauses, rows written in between, so sync meets them between, inside and
 * across its batches; last, two changes a few milliseconds apart, which nothing after them would
 * reveal if sync missed one.
 */
function migration(r: number): (string | number)[] {
  const jitter = () => Math.floor(Math.random() * 150);
  return [
    `ALTER TABLE big ADD COLUMN rating${r} INTEGER DEFAULT 3;
     CREATE TABLE burst${r} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, big_id INTEGER);
     INSERT INTO burst${r} (name, big_id) SELECT 'name ' || id, id FROM big WHERE id <= 40;
     CREATE INDEX burst${r}_name ON burst${r} (name);
     UPDATE big SET rating${r} = id % 5 WHERE id % 7 = 0;
     ALTER TABLE big ADD COLUMN flag${r} INTEGER NOT NULL DEFAULT 0;
     UPDATE big SET flag${r} = 1 WHERE id % 3 = 0;`,
    jitter(),
    `ALTER TABLE late ADD COLUMN note${r} TEXT`,
    `UPDATE late SET note${r} = 'note ' || n WHERE id % 2 = 0`,
    jitter(),
    `CREATE TABLE spread${r} (k TEXT PRIMARY KEY, v REAL NOT NULL DEFAULT 0.5) WITHOUT ROWID`,
    ...Array.from({ length: 20 }, (_, i) => [
      `INSERT INTO spread${r} (k, v) VALUES ('k${i}', ${i / 4})`,
      ...(i % 7 === 0 ? [jitter()] : []),
    ]).flat(),
    `CREATE INDEX big_rating${r} ON big (rating${r}) WHERE rating${r} > 1`,
    jitter(),
    `UPDATE big SET rating${r} = 9, flag${r} = 2 WHERE id BETWEEN 100 AND 110`,
    `DELETE FROM burst${r} WHERE id % 10 = 0`,
    `CREATE TABLE tail${r} (id INTEGER PRIMARY KEY, at TEXT)`,
    Math.floor(Math.random() * 20),
    `ALTER TABLE big ADD COLUMN tail${r} INTEGER DEFAULT 7`,
    `UPDATE big SET tail${r} = id WHERE id <= 5; INSERT INTO tail${r} (at) VALUES ('a'), ('b')`,
  ];
}

/** Waits until PostgreSQL has every table and column round `r` added. */
async function untilFollowed(r: number): Promise<void> {
  const wanted = [
    `burst${r}`,
    `spread${r}`,
    `tail${r}`,
    `big.rating${r}`,
    `big.flag${r}`,
    `big.tail${r}`,
    `late.note${r}`,
  ];
  const has = async () => {
    const found = await db.query(
      `SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = $1`,
      [SCHEMA],
    );
    const names = new Set(found.rows.flatMap((row) => [row.t as string, `${row.t}.${row.c}`]));
    return wanted.every((w) => names.has(w));
  };
  await until(has, 5_000).catch(() => {
    throw new Error(`round ${r}: PostgreSQL never got all of ${wanted.join(', ')}`);
  });
}

/**
 * Adds empty tables, as real applications have dozens: reading the schema then takes sync a few
 * milliseconds, long enough for the application's next statements to land while it does.
 */
function withFillerTables(file: string): string {
  const setup = new Database(file);
  for (let i = 0; i < FILLER_TABLES; i++) {
    setup.exec(`CREATE TABLE filler${i} (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b REAL, c BLOB);
      `);
  }
  setup.close();
  return file;
}

describe('application migrations during sync', () => {
  it('follows bursts and spread-out additions while the application writes, PostgreSQL exact after', async () => {
    const file = withFillerTables(writerWorkloadFile(tempSqlite('migrate.db'), 500));
    const config = loadConfig({ sqlite: file, pg: db.url(), schema: SCHEMA }, {});
    const shutdown$ = new Subject<void>();
    const sync = runSync(config, silentLogger, { shutdown$, pollMs: 50, maxEvents: 50 });
    const failed = sync.then(
      () => 'sync returned',
      (e: unknown) => `sync failed: ${(e as Error).message}`,
    );
    await untilSnapshotted(db.url(), config.sourceId);
    const writer = await startAppWriter(file, 5000);
    for (let r = 0; r < ROUNDS; r++) {
      await runAppSteps(file, migration(r), 5000);
      await untilFollowed(r);
    }
    const written = await writer.stop();
    expect(written.errors).toEqual([]);
    await Promise.race([
      until(async () => (await verify(file, db.url(), { schema: SCHEMA })).equal, 20_000),
      failed.then((why) => Promise.reject(new Error(why))),
    ]);
    const report = await runDriftReport(config, silentLogger);
    expect(report.drift).toBe(false);
    expect(
      report.tables
        .map((t) => t.table)
        .filter((t) => !t.startsWith('filler'))
        .sort(),
    ).toEqual(
      [
        'big',
        'late',
        ...[...Array(ROUNDS).keys()].flatMap((r) => [`burst${r}`, `spread${r}`, `tail${r}`]),
      ].sort(),
    );
    shutdown$.next();
    await sync;

    const sqlite = new Database(file, { readonly: true });
    for (let r = 0; r < ROUNDS; r++) {
      const counts = (from: (table: string) => string) =>
        `SELECT (SELECT count(*) FROM ${from(`burst${r}`)}) AS burst,
                (SELECT count(*) FROM ${from(`spread${r}`)}) AS spread,
                (SELECT count(*) FROM ${from('big')} WHERE flag${r} = 1) AS flagged,
                (SELECT count(*) FROM ${from('big')} WHERE rating${r} = 9) AS rated,
                (SELECT count(*) FROM ${from('big')} WHERE rating${r} = 3) AS defaulted,
                (SELECT count(*) FROM ${from('late')} WHERE note${r} IS NOT NULL) AS noted`;
      const pg = await db.query(counts((t) => `${SCHEMA}.${t}`));
      const expected = sqlite.prepare(counts((t) => t)).get() as Record<string, number>;
      expect(expected).toMatchObject({ burst: 36, spread: 20, flagged: 163, rated: 11 });
      expect(Object.fromEntries(Object.entries(pg.rows[0] ?? {}).map(([k, v]) => [k, Number(v)]))).toEqual(
        expected,
      );
      const indexes = await db.query(
        `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname IN ($2, $3) ORDER BY 1`,
        [SCHEMA, `big_rating${r}`, `burst${r}_name`],
      );
      expect(indexes.rows.map((i) => i.indexname)).toEqual([`big_rating${r}`, `burst${r}_name`]);
    }
    sqlite.close();
  });
});

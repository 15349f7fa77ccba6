/** Shared set-up of the reverse replication fault tests: a cut-over SQLite file and a PostgreSQL writer. */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { customAlphabet } from 'nanoid';
import pg from 'pg';
import { expect } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { parseLsn } from '../../src/model/position.js';
import { createPool } from '../../src/pg/pool.js';
import { ensurePublication, ensureSlot } from '../../src/pg/replication.js';
import { runSnapshot } from '../../src/pipeline/snapshot.js';
import { introspect } from '../../src/schema/introspect.js';
import { translate } from '../../src/schema/translate.js';
import { installCaptureFor } from '../../src/sqlite/capture.js';
import { openSqlite } from '../../src/sqlite/open.js';
import { readReverseLsn, setReverseStart } from '../../src/sqlite/reverse-apply.js';
import { writerWorkloadFile } from '../support/app-writer.js';
import { startChild, type TestChild } from '../support/child.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const suffix = customAlphabet('abcdefghijklmnopqrstuvwxyz0123456789', 8);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dist = (path: string): string => pathToFileURL(`${ROOT}dist/src/${path}`).href;

/** The sync process running reverse replication (built code, as the CLI runs it) until SIGTERM. */
const SCRIPT = `
const [runPath, loadPath, logPath, sqlite, pg, sourceId] = process.argv.slice(1);
const { runReverse } = await import(runPath);
const { loadConfig } = await import(loadPath);
const { createRootLogger } = await import(logPath);
const { Subject } = await import('rxjs');
const stop = new Subject();
process.once('SIGTERM', () => stop.next());
runReverse(loadConfig({ sqlite, pg, sourceId }, {}), createRootLogger('error'), { shutdown$: stop }).then(
  () => process.exit(0),
  (error) => { console.error(error); process.exit(2); },
);
`;

/** Starts the reverse replication process (built code, as the CLI runs it) for `config`. */
export function startReverse(config: Config): TestChild {
  const args = [dist('reverse/run-reverse.js'), dist('config/load.js'), dist('log/logger.js')];
  return startChild(
    process.execPath,
    ['--input-type=module', '-e', SCRIPT, ...args, config.sqlitePath, config.pgUrl, config.sourceId],
    { cwd: ROOT },
  );
}

/**
 * Waits until a process streams the database's replication slot: a reverse process has started,
 * connected and begun streaming (on a loaded machine that takes from a fraction of a second to
 * several), so a kill after it lands while the process works, not while node starts.
 */
export async function untilStreaming(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await until(
      async () => {
        const r = await client.query(
          'SELECT 1 FROM pg_replication_slots WHERE database = current_database() AND active',
        );
        return (r.rowCount ?? 0) > 0;
      },
      60_000,
      20,
    );
  } finally {
    await client.end();
  }
}

/** The reverse replication position the SQLite file has committed. */
export function storedLsn(config: Config): bigint {
  const sqlite = openSqlite(config.sqlitePath, { readonly: true });
  try {
    return parseLsn(readReverseLsn(sqlite) ?? '0/0');
  } finally {
    sqlite.close();
  }
}

/**
 * A SQLite file with the writer workload (`big`, `late`), snapshotted to `url`, with capture
 * installed and the publication, slot and reverse start position in place, as cutover leaves them.
 */
export async function cutOverFile(url: string, name: string, rows = 2_000): Promise<Config> {
  const file = writerWorkloadFile(tempSqlite(`${name}.db`), rows);
  const config = loadConfig({ sqlite: file, pg: url, sourceId: `rev_${name}_${suffix()}` }, {});
  await runSnapshot(config, silentLogger, { tty: null });
  const sqlite = openSqlite(file);
  const pool = createPool(url, { max: 1 });
  try {
    const source = introspect(sqlite);
    const target = translate(source, config);
    installCaptureFor(sqlite, source, target, { sourceId: config.sourceId });
    await ensurePublication(pool, config.sourceId, target.tables);
    const slot = await ensureSlot(pool, config.sourceId);
    expect(slot.created).toBe(true);
    setReverseStart(sqlite, slot.lsn);
  } finally {
    sqlite.close();
    await pool.end();
  }
  return config;
}

/** The application, now on PostgreSQL: one transaction after another until stopped. */
export interface PgWriter {
  /** Commits so far. */
  commits(): number;
  /** Stops; resolves with the commits made and the errors seen (a restarting server causes some). */
  stop(): Promise<{ commits: number; errors: number }>;
}

/**
 * Writes in a loop: each transaction inserts n into `late` and sets `big` row 1 to 'changed n', and
 * every tenth deletes the oldest remaining `late` row above 0 and moves another `big` row (never
 * row 1) to a new key, so inserts, updates, deletes and key moves all stream. Errors are counted
 * and retried.
 */
export function startPgWriter(url: string): PgWriter {
  const pool = createPool(url, { max: 1 });
  let commits = 0;
  let errors = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const n = commits + 1;
      const client = await pool.connect().catch(() => null);
      if (client === null) {
        errors++;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        await client.query('BEGIN');
        await client.query('INSERT INTO late (n) VALUES ($1)', [n]);
        await client.query("UPDATE big SET payload = 'changed ' || $1 WHERE id = 1", [n]);
        if (n % 10 === 0) {
          await client.query('DELETE FROM late WHERE id = (SELECT min(id) FROM late WHERE n > 0)');
          await client.query(
            'UPDATE big SET id = id + 1000000 WHERE id = (SELECT max(id) FROM big WHERE id > 1 AND id < 1000000)',
          );
        }
        await client.query('COMMIT');
        commits++;
        client.release();
      } catch {
        errors++;
        client.release(true);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
  return {
    commits: () => commits,
    stop: async () => {
      running = false;
      await loop;
      await pool.end();
      return { commits, errors };
    },
  };
}

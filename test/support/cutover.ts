import { Subject } from 'rxjs';
import { loadConfig } from '../../src/config/load.js';
import type { CutoverResult } from '../../src/cutover/cutover-result.js';
import {
  type CutoverHooks,
  type CutoverOptions,
  type CutoverStep,
  runCutover,
} from '../../src/cutover/run-cutover.js';
import { BridgeError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import { readCheckpoint } from '../../src/pg/checkpoint.js';
import { readSource } from '../../src/pg/metadata.js';
import { createPool } from '../../src/pg/pool.js';
import { runSync, type SyncResult } from '../../src/pipeline/run-sync.js';
import { until } from './until.js';

/** A sync running in this process (forward, then reverse after a cutover), with a stop. */
export interface RunningSync {
  readonly done: Promise<SyncResult>;
  /**
   * Resolves once the snapshot is done with its checkpoint recorded. The rows can already be
   * equal a moment before that, and cutover refuses a source without a checkpoint.
   */
  snapshotted(): Promise<void>;
  stop(): Promise<SyncResult>;
}

/** Starts `sync` in this process with a 50 ms poll and logs off. */
export function startSync(sqlite: string, pg: string, schema?: string): RunningSync {
  const shutdown$ = new Subject<void>();
  const config = loadConfig({ sqlite, pg, ...(schema === undefined ? {} : { schema }) }, {});
  const done = runSync(config, silentLogger, { shutdown$, pollMs: 50 });
  done.catch(() => undefined); // a test that awaits `done` or `stop()` sees the error
  return {
    done,
    snapshotted: () => untilSnapshotted(pg, config.sourceId),
    stop: async () => {
      shutdown$.next();
      return done;
    },
  };
}

/** Waits until sync's snapshot of `sourceId` is done with its checkpoint recorded (see RunningSync). */
export async function untilSnapshotted(pg: string, sourceId: string): Promise<void> {
  const pool = createPool(pg, { max: 1 });
  try {
    await until(async () => {
      const source = await readSource(pool, sourceId).catch(() => null);
      return source?.snapshotState === 'done' && (await readCheckpoint(pool, sourceId)) !== null;
    }, 60_000);
  } finally {
    await pool.end();
  }
}

/** Runs `cutover` in this process, as the CLI would, with logs off (and `hooks`, which the CLI never passes). */
export function cutover(
  sqlite: string,
  pg: string,
  options: CutoverOptions = {},
  schema?: string,
  hooks: CutoverHooks = {},
): Promise<CutoverResult> {
  const config = loadConfig({ sqlite, pg, ...(schema === undefined ? {} : { schema }) }, {});
  return runCutover(config, silentLogger, options, hooks);
}

/** Hooks that make the cutover fail right after `step`, as an error inside the run would. */
export function failAfter(step: CutoverStep): CutoverHooks {
  return {
    [step]: () => {
      throw new BridgeError('INTERNAL', `cutover failed on purpose after step "${step}"`);
    },
  };
}

/**
 * Runs `cutover` in this process and "kills" it right after `step`: the run stops there for
 * good (its hook never returns, so nothing is cleaned up) and every PostgreSQL session of the
 * run is terminated, as the server sees a killed process. Rejects with the step's name.
 */
export function killedCutover(
  sqlite: string,
  pg: string,
  step: CutoverStep,
  schema?: string,
): Promise<CutoverResult> {
  let killed: (error: Error) => void = () => undefined;
  const kill = new Promise<never>((_, reject) => {
    killed = reject;
  });
  const hooks: CutoverHooks = {
    [step]: async () => {
      await terminateSessions(pg, 'litebridge cutover');
      killed(new Error(`cutover killed after step "${step}"`));
      return new Promise<never>(() => undefined);
    },
  };
  return Promise.race([cutover(sqlite, pg, {}, schema, hooks), kill]);
}

/** Terminates the sessions of this database that carry `applicationName`. */
async function terminateSessions(pg: string, applicationName: string): Promise<void> {
  const pool = createPool(pg, { max: 1 });
  try {
    await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = $1 AND datname = current_database() AND pid <> pg_backend_pid()`,
      [applicationName],
    );
  } finally {
    await pool.end();
  }
}

/**
 * Drops the replication slots of the test's database that nobody streams (call after stopping
 * sync): the run's server has few slots, and a database with a slot cannot be dropped.
 */
export async function dropIdleSlots(query: (sql: string) => Promise<unknown>): Promise<void> {
  await query(
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database() AND NOT active',
  );
}

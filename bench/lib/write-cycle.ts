/** The collector's write cycle recorded from the live writer and replayed on either engine. */
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  batchTick,
  LIVE_SQL_POSTGRES,
  LIVE_SQL_POSTGRES_BATCH,
} from '../../src/workload/vatsim-live-postgres.js';
import { LIVE_SQL, type LiveStatement, VatsimLiveWriter } from '../../src/workload/vatsim-live-writer.js';

/** One write cycle: the statements of one tick, in order. */
export type Tick = readonly LiveStatement[];

/**
 * Records `ticks` ticks of `events` row changes from the live writer on `file` (changed), with
 * `activeFlights` flights kept active (the writer's default when not given).
 */
export function recordTicks(
  file: string,
  seed: number,
  ticks: number,
  events: number,
  activeFlights?: number,
): Tick[] {
  const out: LiveStatement[][] = [];
  let current: LiveStatement[] = [];
  const writer = new VatsimLiveWriter(file, {
    seed,
    ...(activeFlights === undefined ? {} : { activeFlights }),
    record: (s) => current.push(s),
  });
  try {
    for (let i = 0; i < ticks; i++) {
      current = [];
      writer.tick(events);
      if (writer.counters.failedTicks > 0) throw new Error(`tick failed: ${writer.counters.lastError}`);
      out.push(current);
    }
  } finally {
    writer.close();
  }
  return out;
}

/** Replays the ticks on SQLite as the collector writes; returns each cycle's time (ms). */
export function replaySqlite(file: string, ticks: readonly Tick[]): number[] {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = OFF');
    const statements = {
      insertFlight: db.prepare(LIVE_SQL.insertFlight),
      updateFlight: db.prepare(LIVE_SQL.updateFlight),
      deleteFlight: db.prepare(LIVE_SQL.deleteFlight),
      insertMovement: db.prepare(LIVE_SQL.insertMovement),
    };
    const times: number[] = [];
    for (const tick of ticks) {
      const started = performance.now();
      db.transaction(() => {
        for (const s of tick) statements[s.kind].run(...s.params);
      }).immediate();
      times.push(performance.now() - started);
    }
    return times;
  } finally {
    db.close();
  }
}

/**
 * How the PostgreSQL side sends a tick: 'statements' as the SQLite writer does, one awaited
 * statement per row; 'batched' as four set-based statements (`LIVE_SQL_POSTGRES_BATCH`).
 */
export type PostgresMode = 'statements' | 'batched';

/** Replays the ticks on PostgreSQL, one transaction per tick; returns each cycle's time (ms). */
export async function replayPostgres(
  url: string,
  ticks: readonly Tick[],
  mode: PostgresMode = 'statements',
): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const times: number[] = [];
    for (const tick of ticks) {
      const started = performance.now();
      await client.query('BEGIN');
      if (mode === 'statements') {
        for (const s of tick)
          await client.query({
            name: `live_${s.kind}`,
            text: LIVE_SQL_POSTGRES[s.kind],
            values: [...s.params],
          });
      } else {
        for (const b of batchTick(tick))
          await client.query({
            name: `live_batch_${b.kind}`,
            text: LIVE_SQL_POSTGRES_BATCH[b.kind],
            values: b.params,
          });
      }
      await client.query('COMMIT');
      times.push(performance.now() - started);
    }
    return times;
  } finally {
    await client.end();
  }
}

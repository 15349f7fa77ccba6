import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { buildVatsimDatabase } from '../../src/workload/vatsim.js';
import type { LiveKeys } from '../../src/workload/vatsim-live.js';
import { VatsimLiveWriter } from '../../src/workload/vatsim-live-writer.js';
import { tempSqlite } from '../support/sqlite.js';

/** Builds a small collector file, runs one 400-event tick, returns how many old flights changed. */
function oldFlightsTouched(keys: LiveKeys): { touched: number; events: number; active: number } {
  const path = tempSqlite('live.db');
  buildVatsimDatabase(path, { rows: 3_000, seed: 7 });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const before = new Map(
    (db.prepare('SELECT id, last_updated FROM flights').raw(true).all() as [number, unknown][]).map(
      ([id, at]) => [id, at],
    ),
  );
  const active = 40;
  const writer = new VatsimLiveWriter(path, { seed: 3, activeFlights: active, keys });
  const events = writer.tick(400);
  writer.close();
  const after = db.prepare('SELECT id, last_updated FROM flights').raw(true).all() as [number, unknown][];
  db.close();
  const touched = after.filter(([id, at]) => before.has(id) && before.get(id) !== at).length;
  return { touched, events, active };
}

describe('VatsimLiveWriter keys', () => {
  it('hot keys update only the active flights, so a tick repeats keys', () => {
    const { touched, events, active } = oldFlightsTouched('hot');
    expect(events).toBe(400);
    expect(touched).toBeGreaterThan(0);
    expect(touched).toBeLessThanOrEqual(active);
  });

  it('random keys update flights all over the file, mostly distinct', () => {
    const { touched, events, active } = oldFlightsTouched('random');
    expect(events).toBe(400);
    expect(touched).toBeGreaterThan(active * 5);
  });
});

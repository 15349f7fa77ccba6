import { copyFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recordTicks, replayPostgres, replaySqlite } from '../../bench/lib/write-cycle.js';
import { buildVatsimDatabase } from '../../src/workload/vatsim.js';
import { snapshot, verify } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();

describe('write cycle bench replay', () => {
  it.each(['statements', 'batched'] as const)(
    'leaves SQLite and the partitioned PostgreSQL with the same rows after the same ticks (%s)',
    async (mode) => {
      const file = tempSqlite(`collector-${mode}.db`);
      buildVatsimDatabase(file, { rows: 3_000, seed: 5 });
      const scratch = tempSqlite('record.db');
      copyFileSync(file, scratch);
      // 120 events on 60 active flights: a tick moves some flights twice (the batch keeps the last).
      const ticks = recordTicks(scratch, 5, 4, 120, 60);
      const kinds = new Set(ticks.flat().map((s) => s.kind));
      expect([...kinds].sort()).toEqual(['deleteFlight', 'insertFlight', 'insertMovement', 'updateFlight']);

      const config = tempSqlite('litebridge.json');
      writeFileSync(
        config,
        JSON.stringify({
          partitions: {
            flights: { column: 'last_updated', interval: 'day' },
            traffic_movements: { column: 'timestamp', interval: 'week' },
          },
        }),
      );
      await snapshot(file, db.url(), { config, replace: true });
      replaySqlite(file, ticks);
      await replayPostgres(db.url(), ticks, mode);
      const result = await verify(file, db.url(), { config });
      expect(result.tables.filter((t) => !t.equal)).toEqual([]);
      expect(result.equal).toBe(true);
    },
  );
});

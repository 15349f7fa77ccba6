import { describe, expect, it } from 'vitest';
import { writerWorkloadFile } from '../support/app-writer.js';
import { startCli } from '../support/child.js';
import { untilSnapshotted } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();

describe('litebridge sync stops cleanly on every stop signal', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`${signal}: exits 0 with its checkpoint recorded`, async () => {
      const name = `signal_${signal.toLowerCase()}`;
      const file = writerWorkloadFile(tempSqlite(`${name}.db`), 200);
      const sync = startCli(['sync', '--sqlite', file, '--pg', db.url(), '--schema', name, '--poll', '50']);
      await untilSnapshotted(db.url(), name);
      const ended = await sync.kill(signal);
      expect(ended, ended.err).toMatchObject({ code: 0, signal: null });
      expect(ended.out).toMatch(/sync stopped at checkpoint/);
    }, 60_000);
  }
});

import { describe, expect, it } from 'vitest';
import { startAppWriter, writerWorkloadFile } from '../support/app-writer.js';
import { snapshot, verify } from '../support/bridge.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();

describe.each([
  // One thread, one read transaction: the snapshot holds no lock a writer waits for. A short
  // busy timeout still covers SQLite's own momentary WAL locks (a connection opening or closing).
  { workers: 0, busyTimeout: 100 },
  // Copy workers pin their snapshot under SQLite's write lock: writers wait milliseconds, once.
  { workers: 2, busyTimeout: 2000 },
])('snapshot while the application writes (copy workers: $workers)', ({ workers, busyTimeout }) => {
  it('never fails a WAL-mode writer and copies one point in time', async () => {
    const file = writerWorkloadFile(tempSqlite(), 60_000);
    const app = await startAppWriter(file, busyTimeout);
    const result = await snapshot(file, db.url(), { parallel: '2', workers, replace: true });
    const written = await app.stop();

    expect(written.errors).toEqual([]);
    expect(written.commits).toBeGreaterThan(0);
    expect(result.workers).toBe(workers);
    // One point in time: big's row 1 says exactly how many rows late had at that point.
    const late = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM late');
    const first = await db.query<{ payload: string }>('SELECT payload FROM big WHERE id = 1');
    const seen = late.rows[0]!.n - 1;
    expect(first.rows[0]!.payload).toBe(seen === 0 ? `row 0 ${'x'.repeat(100)}` : `changed ${seen}`);
    expect(seen).toBeLessThan(written.commits); // the writer went on after the snapshot point
    // And the copy is behind the file now: verify notices.
    expect((await verify(file, db.url())).equal).toBe(false);
  });
});

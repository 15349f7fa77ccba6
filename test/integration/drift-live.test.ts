import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Subject } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { BridgeMetrics } from '../../src/log/metrics.js';
import { readDrift } from '../../src/pg/drift-state.js';
import { createPool } from '../../src/pg/pool.js';
import { runSync } from '../../src/pipeline/run-sync.js';
import { readStatus } from '../../src/pipeline/status.js';
import { runDriftReport } from '../../src/verify/drift-report.js';
import { buildVatsimDatabase } from '../../src/workload/vatsim.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();
const WRITER = fileURLToPath(new URL('../../dist/src/workload/vatsim-live-main.js', import.meta.url));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** The VATSIM-like writer as another process, ~1,000 changes per second in 50 ms ticks. */
function startWriter(file: string): { stop: () => Promise<void> } {
  const child = spawn(
    process.execPath,
    [WRITER, '--sqlite', file, '--events-per-second', '1000', '--tick-ms', '50'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(child);
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

describe('drift checks while the application writes and sync runs', () => {
  it('find no false positive; the observer reports real drift in status and metrics; repair fixes it live', async () => {
    const file = tempSqlite('live.db');
    buildVatsimDatabase(file, { rows: 30_000, seed: 3 });
    const config = loadConfig({ sqlite: file, pg: db.url() }, {});
    const shutdown$ = new Subject<void>();
    const checkNow$ = new Subject<void>();
    const metrics = new BridgeMetrics();
    const pool = createPool(db.url(), { max: 1 });
    const sync = runSync(config, silentLogger, {
      shutdown$,
      checkNow$,
      pollMs: 50,
      metrics,
      drift: { intervalMs: 100, chunksPerTick: 2 },
    });
    await until(async () => (await readStatus(config)).snapshot === 'done', 60_000);
    const writer = startWriter(file);
    try {
      let checks = 0;
      let inFlight = 0;
      for (let round = 0; round < 12; round++) {
        const report = await runDriftReport(config, silentLogger, { chunkRows: 500 });
        checks += report.tables.reduce((n, t) => n + t.chunksChecked, 0);
        inFlight += report.tables.reduce((n, t) => n + t.inFlightCount, 0);
        const drifted = report.tables.filter((t) => t.drift);
        expect(
          drifted.map((t) => ({
            table: t.table,
            missing: t.missing,
            extra: t.extra,
            different: t.different,
          })),
        ).toEqual([]);
        expect(report.consistency).toBe('live');
      }
      expect(checks).toBeGreaterThan(100);
      // The check ran while changes were really in flight, not only between batches.
      expect(inFlight).toBeGreaterThan(0);

      // Real drift, on a key the writer never touches: the observer finds it within a rotation.
      await db.query(
        `INSERT INTO public.controllers (id, callsign, facility) SELECT max(id) + 1000000, 'GHOST', 'CTR' FROM public.controllers`,
      );
      checkNow$.next();
      await until(async () => {
        const found = await readDrift(pool, config.sourceId);
        return found.some((f) => f.table === 'controllers' && f.extra === 1);
      }, 60_000);
      const status = await readStatus(config);
      expect(status.drift.find((d) => d.table === 'controllers')?.sample).toEqual([
        expect.stringMatching(/^id=\d+$/),
      ]);
      const text = await metrics.registry.metrics();
      expect(text).toMatch(/litebridge_drift_rows\{table="controllers",kind="extra"\} 1/);
      expect(text).toMatch(/litebridge_checkpoint_seq \d+/);

      // Repair while the writer and sync go on: the ghost row goes, nothing else is touched.
      const repaired = await runDriftReport(config, silentLogger, { chunkRows: 500, repair: true });
      expect(repaired.repaired).toMatchObject({ deleted: 1 });
      expect(repaired.drift).toBe(false);
    } finally {
      await writer.stop();
      shutdown$.next();
      await sync;
      await pool.end();
    }
  }, 180_000);
});

import { Subject } from 'rxjs';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { runSync } from '../../src/pipeline/run-sync.js';
import { startAppWriter, writerWorkloadFile } from '../support/app-writer.js';
import { verify } from '../support/bridge.js';
import { useOwnServer } from '../support/own-server.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const own = useOwnServer('litebridge-restart-', { throwaway: true });

it('survives a PostgreSQL restart mid-stream: retries the batch, resumes in order, exact end state', async () => {
  let server = await own.start();
  const url = server.url('postgres');
  const file = writerWorkloadFile(tempSqlite('restart.db'), 5_000);
  const app = await startAppWriter(file, 5000);

  const shutdown$ = new Subject<void>();
  let batches = 0;
  const sync = runSync(loadConfig({ sqlite: file, pg: url }, {}), silentLogger, {
    shutdown$,
    pollMs: 20,
    onBatch: () => batches++,
  });
  let writerStopped = false;
  try {
    await until(async () => batches > 3, 60_000);

    await server.stop(); // sync's connections die; batches fail with retriable errors meanwhile
    await new Promise((r) => setTimeout(r, 1500));
    server = await own.start();
    const afterRestart = batches;
    // Retries back off up to 5 s: sync applies again within seconds of the server's return.
    await until(async () => batches > afterRestart + 3, 60_000);

    const written = await app.stop();
    writerStopped = true;
    expect(written.errors).toEqual([]);
    await until(async () => (await verify(file, url)).equal, 60_000);
  } finally {
    if (!writerStopped) await app.stop();
    shutdown$.next();
  }
  const result = await sync;
  expect(BigInt(result.checkpoint)).toBeGreaterThan(0n);
}, 240_000);

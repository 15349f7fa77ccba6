/**
 * A copy worker thread: its own SQLite connection (with a read transaction the main thread
 * starts while it holds the write lock, so every worker sees the same snapshot), its own
 * PostgreSQL connections, and the same copyTable as the main thread. Reading and encoding rows
 * is most of a snapshot's CPU; workers spread it over the machine's cores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createRootLogger } from '../log/logger.js';
import { createPool } from '../pg/pool.js';
import { openSqlite } from '../sqlite/open.js';
import { ReadSnapshot, type TableReader, tableReader } from '../sqlite/snapshot-read.js';
import { toWire } from '../wire-error.js';
import type { CopyWorkerData, FromWorker, ToWorker } from './copy-protocol.js';
import { copyTable } from './copy-table.js';

const data = workerData as CopyWorkerData;
const port = parentPort!;
const post = (message: FromWorker): void => port.postMessage(message);

const db = openSqlite(data.sqlitePath);
const snapshot = new ReadSnapshot(db);
const pool = createPool(data.pgUrl, {
  max: data.connections,
  settings: data.settings,
  applicationName: 'litebridge snapshot',
});
const log = createRootLogger().child({ component: 'copy-worker' });
const readers = new Map<number, TableReader>();

/** Progress is posted at most every PROGRESS_MS (a message per page cost measurable CPU). */
const PROGRESS_MS = 100;
const unreported = new Map<string, number>();
let reportedAt = 0;
/** Posts the rows copied since the last report. */
function reportProgress(): void {
  for (const [table, rows] of unreported) post({ type: 'advance', table, rows });
  unreported.clear();
  reportedAt = Date.now();
}
const progress = {
  advance(table: string, rows: number): void {
    unreported.set(table, (unreported.get(table) ?? 0) + rows);
    if (Date.now() - reportedAt >= PROGRESS_MS) reportProgress();
  },
};
const options = { pool, sourceId: data.sourceId, onBadRow: data.onBadRow, progress, log };

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'begin':
      try {
        snapshot.begin();
        post({ type: 'ready' });
      } catch (error) {
        post({ type: 'failed', id: null, error: toWire(error) });
      }
      return;
    case 'job': {
      const run = async () => {
        let reader = readers.get(message.table);
        if (reader === undefined) {
          const { source, target } = data.tables[message.table]!;
          reader = tableReader(db, source, target);
          readers.set(message.table, reader);
        }
        return copyTable(reader, options, message.range, message.pageRows);
      };
      run().then(
        (result) => {
          reportProgress();
          post({ type: 'done', id: message.id, result });
        },
        (error: unknown) => {
          reportProgress();
          post({ type: 'failed', id: message.id, error: toWire(error) });
        },
      );
      return;
    }
    case 'close':
      snapshot.end();
      db.close();
      pool.end().finally(() => port.close());
      return;
  }
});
post({ type: 'opened' });

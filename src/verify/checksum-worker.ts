/**
 * A checksum worker thread: its own read-only SQLite connection, and the same SqliteTableChecksum
 * as the main thread. Each job runs in a read transaction of its own, begun when the job arrives
 * (see checksum-workers.ts for why that keeps a drift check consistent).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from '../sqlite/open.js';
import { ReadSnapshot } from '../sqlite/snapshot-read.js';
import { toWire } from '../wire-error.js';
import { SqliteTableChecksum } from './checksum-sqlite.js';
import type { FromChecksumWorker, ToChecksumWorker } from './checksum-workers.js';

const port = parentPort!;
const db = openSqlite((workerData as { sqlitePath: string }).sqlitePath, { readonly: true });
const snapshot = new ReadSnapshot(db);
/** One checksum per table shape: each registers functions on the connection. */
const checksums = new Map<string, SqliteTableChecksum>();

port.on('message', (job: ToChecksumWorker) => {
  let message: FromChecksumWorker;
  try {
    let checksum = checksums.get(job.shape);
    if (checksum === undefined) {
      checksum = new SqliteTableChecksum(db, job.table.source, job.table.target);
      checksums.set(job.shape, checksum);
    }
    snapshot.begin();
    try {
      message = { id: job.id, summaries: [...checksum.summaries(job.plan, job.chunks)] };
    } finally {
      snapshot.end();
    }
  } catch (error) {
    message = { id: job.id, error: toWire(error) };
  }
  port.postMessage(message);
});

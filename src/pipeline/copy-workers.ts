import { Worker } from 'node:worker_threads';
import { BridgeError } from '../errors.js';
import { builtModule } from '../package-files.js';
import type { KeyRange } from '../sqlite/snapshot-read.js';
import { fromWire } from '../wire-error.js';
import type { CopyWorkerData, FromWorker, ToWorker } from './copy-protocol.js';
import type { CopyTableResult, RowCounter } from './copy-table.js';

/** The compiled worker script; from the TypeScript sources (tests) the build's copy of it. */
export function copyWorkerScript(): URL | null {
  return builtModule('pipeline/copy-worker.js');
}

interface Pending {
  readonly resolve: (result: CopyTableResult) => void;
  readonly reject: (error: Error) => void;
}

/** One worker thread and the jobs it runs. */
class CopyThread {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  #waiting: Pending | null = null;
  #failure: Error | null = null;

  constructor(script: URL, data: CopyWorkerData, counter: RowCounter) {
    this.worker = new Worker(script, { workerData: data });
    this.worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'opened':
        case 'ready':
          this.#waiting?.resolve(undefined as never);
          this.#waiting = null;
          return;
        case 'advance':
          counter.advance(message.table, message.rows);
          return;
        case 'done':
          this.pending.get(message.id)?.resolve(message.result);
          this.pending.delete(message.id);
          return;
        case 'failed': {
          const error = fromWire(message.error);
          if (message.id === null) this.#fail(error);
          else {
            this.pending.get(message.id)?.reject(error);
            this.pending.delete(message.id);
          }
          return;
        }
      }
    });
    this.worker.on('error', (error) =>
      this.#fail(new BridgeError('INTERNAL', `copy worker failed: ${error.message}`, { cause: error })),
    );
    this.worker.on('exit', (code) => {
      if (code !== 0) this.#fail(new BridgeError('INTERNAL', `copy worker exited with code ${code}`));
    });
  }

  /** Resolves on the worker's next 'opened' or 'ready' message. */
  next(): Promise<void> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve: () => resolve(), reject };
    });
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#waiting?.reject(error);
    this.#waiting = null;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

/**
 * Worker threads that copy key ranges of tables in parallel, each with its own SQLite read
 * transaction. `begin` must run while the caller holds SQLite's write lock, so every worker's
 * transaction starts at the same commit as the main thread's.
 */
export class CopyWorkers {
  readonly #threads: CopyThread[];
  #nextId = 0;

  private constructor(threads: CopyThread[]) {
    this.#threads = threads;
  }

  /** Starts `count` workers and waits until each has opened the file. */
  static async start(
    script: URL,
    count: number,
    data: CopyWorkerData,
    counter: RowCounter,
  ): Promise<CopyWorkers> {
    const threads = Array.from({ length: count }, () => new CopyThread(script, data, counter));
    const workers = new CopyWorkers(threads);
    try {
      await Promise.all(threads.map((t) => t.next()));
    } catch (error) {
      await workers.close();
      throw error;
    }
    return workers;
  }

  /** How many worker threads run. */
  get size(): number {
    return this.#threads.length;
  }

  /** Starts every worker's read transaction (call with the write lock held). */
  async begin(): Promise<void> {
    await Promise.all(
      this.#threads.map((t) => {
        const ready = t.next();
        t.send({ type: 'begin' });
        return ready;
      }),
    );
  }

  /** Copies one key range of table number `table` on the least busy worker. */
  run(table: number, range: KeyRange, pageRows: number): Promise<CopyTableResult> {
    const thread = this.#threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.send({ type: 'job', id, table, range, pageRows });
    });
  }

  /** Ends the read transactions, closes the connections and stops the threads. */
  async close(): Promise<void> {
    await Promise.all(
      this.#threads.map(async (t) => {
        if (t.worker.threadId === -1) return; // already stopped
        const exited = new Promise<void>((resolve) => t.worker.once('exit', () => resolve()));
        t.send({ type: 'close' });
        const timer = setTimeout(() => void t.worker.terminate(), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

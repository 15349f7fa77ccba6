/**
 * SQLite's side of the chunked checksum spread over worker threads: each worker has its own
 * read-only connection and computes the summaries of a share of the chunks, while the calling
 * thread computes another share on its own connection.
 *
 * Why this keeps a drift check consistent although the readers do not share one snapshot: the
 * check (drift.ts) only needs every SQLite read to start after PostgreSQL's snapshot, and each
 * worker begins its read transaction when its job arrives, after that. A worker may read a later
 * state than the caller's snapshot at changelog head H; a key changed after H can then make a
 * chunk's summaries differ, but the chunk is narrowed to keys on the caller's connection, in its
 * snapshot at H, where in-flight keys are judged: such a chunk yields no difference, never a
 * false one. And a later state cannot hide drift, since sync only ever writes SQLite's own states.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BridgeError } from '../errors.js';
import type { SourceTable } from '../model/source-schema.js';
import type { TargetTable } from '../model/target-schema.js';
import { builtModule } from '../package-files.js';
import { fromWire, type WireError } from '../wire-error.js';
import type { ChunkSummary, SqliteTableChecksum } from './checksum-sqlite.js';
import { type ChunkPlan, chunkCount } from './chunks.js';

/** A job for a checksum worker. */
export interface ToChecksumWorker {
  readonly id: number;
  /** Identifies the table's shape (the worker keeps one checksum per shape). */
  readonly shape: string;
  readonly table: { readonly source: SourceTable; readonly target: TargetTable };
  readonly plan: ChunkPlan;
  readonly chunks: readonly number[];
}

/** A worker's answer: the summaries of its chunks, or the error it met. */
export type FromChecksumWorker =
  | { readonly id: number; readonly summaries: readonly (readonly [number, ChunkSummary])[] }
  | { readonly id: number; readonly error: WireError };

/** Chunks per share below which a worker costs more than it saves. */
const MIN_CHUNKS_PER_SHARE = 2;

/** Worker threads computing SQLite chunk summaries; start with {@link ChecksumWorkers.start}. */
export class ChecksumWorkers {
  readonly #workers: Worker[];
  readonly #pending = new Map<
    number,
    { resolve: (m: FromChecksumWorker) => void; reject: (e: Error) => void }
  >();
  #next = 0;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
    for (const w of workers) {
      w.on('message', (m: FromChecksumWorker) => {
        this.#pending.get(m.id)?.resolve(m);
        this.#pending.delete(m.id);
      });
      w.on('error', (error) => this.#failAll(error));
      w.on('exit', (code) => {
        if (code !== 0) this.#failAll(new Error(`checksum worker exited with code ${code}`));
      });
      // Idle workers never keep the process alive.
      w.unref();
    }
  }

  /**
   * `count` workers reading `sqlitePath` (default: one per core but one, at most 3), or null when
   * there is nothing to gain: one core, an in-memory database, or no compiled worker script.
   */
  static start(sqlitePath: string, count = Math.min(3, availableParallelism() - 1)): ChecksumWorkers | null {
    const script = builtModule('verify/checksum-worker.js');
    if (count < 1 || script === null || sqlitePath === '' || sqlitePath === ':memory:') return null;
    const workers = Array.from({ length: count }, () => new Worker(script, { workerData: { sqlitePath } }));
    return new ChecksumWorkers(workers);
  }

  /**
   * Summaries of `chunks` (all when omitted): contiguous shares to the workers and one to `local`,
   * the caller's checksum on its own connection (in its read transaction). Bucket plans need a
   * full scan for any set of buckets, so they stay on `local`.
   */
  async summaries(
    local: SqliteTableChecksum,
    table: { readonly source: SourceTable; readonly target: TargetTable },
    plan: ChunkPlan,
    chunks?: readonly number[],
  ): Promise<Map<number, ChunkSummary>> {
    const wanted = chunks ?? Array.from({ length: chunkCount(plan) }, (_, i) => i);
    const parts = Math.min(this.#workers.length + 1, Math.floor(wanted.length / MIN_CHUNKS_PER_SHARE));
    if (plan.kind === 'bucket' || parts < 2) return local.summaries(plan, wanted);
    const per = Math.ceil(wanted.length / parts);
    const shares = Array.from({ length: parts }, (_, i) => wanted.slice(i * per, (i + 1) * per));
    const shape = JSON.stringify([table.source.name, table.target.key, table.target.columns]);
    const remote = shares.slice(1).map((share, i) => this.#run(i, { shape, table, plan, chunks: share }));
    // The caller's share runs while the workers run theirs.
    let out: Map<number, ChunkSummary>;
    try {
      out = local.summaries(plan, shares[0]!);
    } finally {
      // Always wait for the workers, so no answer arrives after a failure was reported.
      await Promise.allSettled(remote);
    }
    for (const part of await Promise.all(remote)) for (const [c, s] of part) out.set(c, s);
    return out;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  #run(worker: number, job: Omit<ToChecksumWorker, 'id'>): Promise<Map<number, ChunkSummary>> {
    const id = this.#next++;
    const w = this.#workers[worker]!;
    return new Promise<FromChecksumWorker>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      w.ref();
      w.postMessage({ id, ...job } satisfies ToChecksumWorker);
    }).then(
      (m) => {
        if (this.#pending.size === 0) for (const x of this.#workers) x.unref();
        if ('error' in m) throw fromWire(m.error);
        return new Map(m.summaries);
      },
      (error: Error) => {
        throw new BridgeError('INTERNAL', `checksum worker failed: ${error.message}`, { cause: error });
      },
    );
  }

  #failAll(error: Error): void {
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}

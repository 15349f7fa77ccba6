import type { Logger } from '../log/logger.js';
import type { CopyProgress } from '../log/progress.js';
import { createPool, type PgPool } from '../pg/pool.js';
import { recordSnapshotProgress } from '../pg/snapshot-progress.js';

/** How often the snapshot's progress is written for `status` (ms). */
export const RECORD_EVERY_MS = 1_000;

/**
 * Writes the snapshot's per-table progress to `litebridge.snapshot_progress` every few seconds,
 * on a connection of its own (the copy's are busy streaming), so `status` and the metrics of
 * another process can show rows copied, total and ETA. Best effort: a failed write is logged and
 * the copy goes on; the next write carries the counts forward.
 */
export class ProgressRecorder {
  readonly #pool: PgPool;
  readonly #timer: NodeJS.Timeout;
  #writing: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(
    pgUrl: string,
    private readonly sourceId: string,
    private readonly progress: CopyProgress,
    private readonly log: Logger,
    everyMs = RECORD_EVERY_MS,
  ) {
    this.#pool = createPool(pgUrl, { max: 1, applicationName: 'litebridge snapshot progress' });
    this.#timer = setInterval(() => this.#write(), everyMs);
    this.#timer.unref();
  }

  /** Writes the counts now (after the last write in flight). */
  flush(): Promise<void> {
    this.#write();
    return this.#writing;
  }

  /** Writes the last counts, then stops (idempotent). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    clearInterval(this.#timer);
    await this.flush();
    this.#stopped = true;
    await this.#pool.end();
  }

  #write(): void {
    if (this.#stopped) return;
    this.#writing = this.#writing.then(() =>
      recordSnapshotProgress(this.#pool, this.sourceId, this.progress.tables()).catch((error: Error) => {
        this.log.warn({ err: error.message }, 'snapshot progress not recorded this time');
      }),
    );
  }
}

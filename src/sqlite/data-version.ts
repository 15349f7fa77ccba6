/**
 * `PRAGMA data_version` as a cheap "has another connection committed?" probe: the value a
 * connection reads changes whenever any other connection commits to the file. Reading it costs
 * a few microseconds (the WAL index header), so sync can poll it every few milliseconds and wake
 * as soon as the application commits, without waiting for a file event or the slow poll.
 */
import type Database from 'better-sqlite3';
import { fromSqliteError } from '../errors.js';
import type { SqliteDatabase } from './open.js';

/**
 * Tracks `data_version` against a mark set before each changelog read: `changedSinceMark()`
 * stays true from another connection's commit until the next `mark()`, so a wake-up dropped
 * while a batch was in flight is raised again on the next probe, and no commit waits for the
 * slow poll.
 */
export class DataVersion {
  readonly #read: Database.Statement<unknown[]>;
  #marked: number;

  constructor(db: SqliteDatabase) {
    try {
      this.#read = db.prepare('PRAGMA data_version').pluck().safeIntegers(false);
    } catch (error) {
      throw fromSqliteError(error, 'reading PRAGMA data_version failed');
    }
    this.#marked = this.current();
  }

  /** The connection's `data_version` now. */
  current(): number {
    return this.#read.get() as number;
  }

  /** Remembers the current value: call it just before reading the changelog. */
  mark(): void {
    this.#marked = this.current();
  }

  /** True when another connection committed since the last `mark()` (or construction). */
  changedSinceMark(): boolean {
    return this.current() !== this.#marked;
  }
}

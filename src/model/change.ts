import type { SqlValue } from './sql-value.js';

/** What a capture trigger saw happen to one row. */
export type Op = 'I' | 'U' | 'D';

/**
 * One changelog row, written by a capture trigger: the key only, never the row. Read with safe
 * integers, so key values keep their storage class exactly (INTEGER as bigint, BLOB as bytes).
 */
export interface ChangeEvent {
  /** Strictly increasing, never reused, even after pruning empties the changelog. */
  readonly seq: bigint;
  /** Source table name as SQLite spells it. */
  readonly table: string;
  readonly op: Op;
  /**
   * The key slots k0…k7 as stored: the key values in the table's key order (the old key for D;
   * declared primary key, or rowid), then NULLs. The table's key width says how many are its key.
   */
  readonly key: readonly SqlValue[];
  /** Capture time, ms since the epoch. */
  readonly at: number;
}

/**
 * What the apply step receives for one key: the row as it is in the batch's read snapshot
 * (values in target column order, as `TableReader` pages hold them), or null when it is gone.
 */
export interface RowChange {
  readonly table: string;
  readonly key: readonly SqlValue[];
  readonly row: readonly SqlValue[] | null;
}

/**
 * A batch of the changelog read in ONE SQLite read transaction: every key touched by events
 * (after, upTo] appears once in `changes`, with its state in that snapshot.
 */
export interface ChangeBatch {
  /** The checkpoint this batch continues (exclusive). */
  readonly after: bigint;
  /** The last seq in the batch: the checkpoint once it is applied. */
  readonly upTo: bigint;
  /** Changelog events covered. */
  readonly events: number;
  readonly changes: readonly RowChange[];
  /** Capture times of the first and last event (ms since the epoch), for lag. */
  readonly firstAt: number;
  readonly lastAt: number;
  /** True when the batch ends at the changelog head of its snapshot (a source snapshot boundary). */
  readonly atHead: boolean;
}

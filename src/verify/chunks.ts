/**
 * How a table is cut into chunks that both databases can select on their own, so only per-chunk
 * summaries cross the wire. A table keyed by one integer column (INTEGER PRIMARY KEY, rowid,
 * any single integer key) is cut into key ranges, read through each side's key index. Any other
 * key (text, composite) is cut into hash buckets of the key's canonical text: order-independent
 * (SQLite's BINARY order and PostgreSQL's collation never meet), at the price of one full pass
 * per side for any set of buckets.
 */
import type { SqlValue } from '../model/sql-value.js';
import type { TargetColumn, TargetTable } from '../model/target-schema.js';
import { keyColumns } from '../schema/key-columns.js';
import { type RowSizes, rowsWithin } from '../sqlite/row-size.js';

/** Integer PostgreSQL key types: range chunking. */
const INTEGER_TYPES = new Set(['bigint', 'integer', 'smallint']);

const INT64_MAX = 2n ** 63n - 1n;

/** Rows a chunk aims at: small enough to narrow down quickly, large enough to keep queries few. */
export const CHUNK_ROWS = 10_000;
/**
 * Bytes of rows a chunk aims at, at most: a table of large rows (blobs, long texts) gets chunks
 * of fewer rows, so one chunk's hashing (which the drift observer does between sync's batches)
 * stays short.
 */
export const CHUNK_BYTES = 16 * 1024 * 1024;

/** Chunks of a table. */
export type ChunkPlan =
  | {
      readonly kind: 'range';
      /**
       * Ascending boundaries: chunk 0 is `key < bounds[0]`, chunk i is `bounds[i-1] <= key < bounds[i]`,
       * the last chunk `key >= bounds[n-1]`. The first and last chunks catch keys outside SQLite's
       * min..max (rows only PostgreSQL has).
       */
      readonly bounds: readonly bigint[];
    }
  | { readonly kind: 'bucket'; readonly buckets: number };

/** The number of chunks in a plan. */
export function chunkCount(plan: ChunkPlan): number {
  return plan.kind === 'range' ? plan.bounds.length + 1 : plan.buckets;
}

/** The key range of range chunk `i`: inclusive lower and exclusive upper bound (null: open). */
export function chunkRange(
  plan: Extract<ChunkPlan, { kind: 'range' }>,
  i: number,
): { readonly from: bigint | null; readonly to: bigint | null } {
  return { from: i === 0 ? null : plan.bounds[i - 1]!, to: i >= plan.bounds.length ? null : plan.bounds[i]! };
}

/** The key column ranges are cut on, or null when the table is bucketed. */
export function rangeKey(target: TargetTable): TargetColumn | null {
  const keys = keyColumns(target);
  return keys.length === 1 && INTEGER_TYPES.has(keys[0]!.type) ? keys[0]! : null;
}

/**
 * Plans chunks from SQLite's key bounds, row count and largest row: ranges of about `chunkRows`
 * rows, fewer when that many of the largest rows would pass CHUNK_BYTES (even spacing between
 * min and max), or as many buckets.
 */
export function planChunks(
  target: TargetTable,
  stats: {
    readonly rows: number;
    readonly min: SqlValue;
    readonly max: SqlValue;
    /** The rows' sizes (absent: small rows). */
    readonly sizes?: RowSizes;
  },
  chunkRows = CHUNK_ROWS,
): ChunkPlan {
  const perChunk = rowsWithin(chunkRows, CHUNK_BYTES, stats.sizes?.largest ?? 0);
  const parts = Math.max(1, Math.ceil(stats.rows / perChunk));
  if (rangeKey(target) === null) return { kind: 'bucket', buckets: parts };
  if (typeof stats.min !== 'bigint' || typeof stats.max !== 'bigint') return { kind: 'range', bounds: [] };
  const span = stats.max - stats.min + 1n;
  const width = (span + BigInt(parts) - 1n) / BigInt(parts);
  const bounds: bigint[] = [];
  for (let b = stats.min; b <= stats.max; b += width) bounds.push(b);
  if (stats.max < INT64_MAX) bounds.push(stats.max + 1n);
  return { kind: 'range', bounds };
}

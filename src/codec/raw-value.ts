import type { SqlValue } from '../model/sql-value.js';

/**
 * A SQLite value as lossless JSON, for `litebridge.rejects.raw_row` and logs: the storage
 * class is kept and nothing is rounded. jsonb cannot hold U+0000, so text with a NUL (or
 * anything that is not text) travels as hex bytes.
 */
export type RawValue =
  | null
  | { readonly integer: string }
  | { readonly real: string }
  | { readonly text: string }
  | { readonly blob: string };

/** The lossless JSON form of one SQLite value. */
export function rawValue(value: SqlValue): RawValue {
  if (value === null) return null;
  if (typeof value === 'bigint') return { integer: value.toString() };
  if (typeof value === 'number') return { real: Object.is(value, -0) ? '-0' : String(value) };
  if (typeof value === 'string') {
    return value.includes('\u0000') ? { blob: Buffer.from(value, 'utf8').toString('hex') } : { text: value };
  }
  return { blob: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') };
}

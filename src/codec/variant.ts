/**
 * The tagged variant: how a column with no declared type (or `ANY` in a STRICT table), which
 * SQLite lets hold every storage class side by side, lands in one jsonb column and comes back
 * with each value's storage class. jsonb is PostgreSQL's dynamically typed value:
 *
 * | SQLite value           | jsonb                                  | back to SQLite            |
 * |------------------------|----------------------------------------|---------------------------|
 * | NULL                   | SQL NULL                               | NULL                      |
 * | TEXT                   | a JSON string                          | TEXT                      |
 * | INTEGER                | a JSON number without fraction         | INTEGER                   |
 * | REAL                   | a JSON number in plain notation with a fraction (1e17 → `100000000000000000.0`; jsonb keeps the scale) | REAL, to the bit |
 * | REAL ±Inf, -0.0        | `{"$real": "Infinity"}`, `"-Infinity"`, `"-0"` | REAL              |
 * | BLOB                   | `{"$blob": "<lowercase hex>"}`         | BLOB                      |
 *
 * Anything else PostgreSQL may hold after cutover (true, false, null, arrays, other objects, a
 * number with a fraction that no double holds exactly is rounded as SQLite rounds a literal)
 * comes back as its JSON text, as TEXT. Text holding U+0000 is refused: jsonb cannot hold it.
 */
import type { SqlValue } from '../model/sql-value.js';
import { CodecError, cannotStore, nanError } from './codec-error.js';
import { plainDecimal, scanDecimal } from './decimal.js';
import type { Encoder } from './encoder.js';

const TYPE = 'jsonb (variant)';
const INTEGER_TEXT = /^-?\d+$/;
const HEX = /^(?:[0-9a-f]{2})*$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A finite, non-zero-signed double as a JSON number with a fractional part, in plain notation. */
export function realJson(x: number): string {
  let text = String(x);
  if (text.includes('e')) {
    scanDecimal(text);
    text = plainDecimal(text) ?? text;
  }
  return text.includes('.') ? text : `${text}.0`;
}

/** The variant's JSON text of one SQLite value (null for NULL). */
export function variantEncoder(column: string): Encoder {
  return (value: SqlValue): string | null => {
    if (value === null) return null;
    switch (typeof value) {
      case 'string': {
        const nul = value.indexOf('\0');
        if (nul < 0) return JSON.stringify(value);
        throw new CodecError(
          column,
          value,
          cannotStore(column, TYPE, value, `text contains U+0000 at offset ${nul}, which jsonb cannot hold`),
          'remove the NUL from the text, or cast the column to bytea (cast: "bytea"; the value then comes back as a blob)',
        );
      }
      case 'bigint':
        return value.toString();
      case 'number':
        if (Number.isNaN(value)) throw nanError(column, TYPE, value);
        if (value === Number.POSITIVE_INFINITY) return '{"$real": "Infinity"}';
        if (value === Number.NEGATIVE_INFINITY) return '{"$real": "-Infinity"}';
        if (Object.is(value, -0)) return '{"$real": "-0"}';
        return realJson(value);
      default:
        return `{"$blob": "${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}"}`;
    }
  };
}

const TAGGED_REALS: ReadonlyMap<string, number> = new Map([
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['-0', -0],
]);

/** The SQLite value of a tagged object (`{"$blob": …}`, `{"$real": …}`), or undefined. */
function untag(text: string): SqlValue | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const entries = Object.entries(parsed);
  if (entries.length !== 1) return undefined;
  const [tag, v] = entries[0]!;
  if (typeof v !== 'string') return undefined;
  if (tag === '$blob' && HEX.test(v)) return Buffer.from(v, 'hex');
  if (tag === '$real') return TAGGED_REALS.get(v);
  return undefined;
}

/**
 * The SQLite value of a variant column's jsonb text (as PostgreSQL prints it): see the module
 * table. Returns a reason instead when SQLite cannot hold the number (beyond a double's range).
 */
export function variantValue(text: string): SqlValue | { readonly reason: string } {
  const c = text.charCodeAt(0);
  if (c === 34) return JSON.parse(text) as string;
  if (c === 45 || (c >= 48 && c <= 57)) {
    if (INTEGER_TEXT.test(text)) {
      const n = BigInt(text);
      if (n >= INT64_MIN && n <= INT64_MAX) return n;
    }
    const x = Number(text);
    if (Number.isFinite(x)) return x;
    return { reason: 'the number is beyond the range of a SQLite REAL' };
  }
  if (c === 123) {
    const tagged = untag(text);
    if (tagged !== undefined) return tagged;
  }
  return text;
}

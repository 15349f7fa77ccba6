/**
 * The way back: PostgreSQL's text output of a value → the SQLite value reverse replication writes
 * for one target column. The inverse of `encoderFor`: for every value it returns,
 * `sameValue(type, encoderFor(column)(decoded), pgText)` holds, and that is checked for every
 * value whose type could lose something on the way, so nothing is rounded silently.
 */
import type { SqlValue } from '../model/sql-value.js';
import { CodecError } from './codec-error.js';
import { sameValue } from './compare.js';
import { canonicalDecimal, floatText, parseFloatLiteral } from './decimal.js';
import { decodeTime } from './decode-time.js';
import { encoderFor } from './encode.js';
import type { CodecColumn } from './encoder.js';
import { variantValue } from './variant.js';

/**
 * Turns PostgreSQL's text for one value (as printed in a session with TimeZone 'UTC', DateStyle
 * ISO, bytea_output hex, extra_float_digits ≥ 1; null for SQL NULL) into the SQLite value to
 * write. Throws CodecError (code DATA) for a value SQLite cannot hold exactly.
 */
export type Decoder = (pgText: string | null) => SqlValue;

const INTEGER_TEXT = /^-?\d+$/;
const HEX_BYTEA = /^\\x(?:[0-9a-fA-F]{2})*$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Why a text cannot be decoded for the column's type: a CodecError naming both. */
function refuse(column: string, type: string, text: string, detail: string, hint?: string): CodecError {
  return new CodecError(
    column,
    text,
    `PostgreSQL ${type} value ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)} of column "${column}" cannot be written to SQLite: ${detail}`,
    hint,
  );
}

function integerOf(column: string, type: string, text: string): bigint {
  if (!INTEGER_TEXT.test(text)) throw refuse(column, type, text, 'it is not a decimal integer');
  const value = BigInt(text);
  if (value < INT64_MIN || value > INT64_MAX) throw refuse(column, type, text, 'it does not fit 64 bits');
  return value;
}

function doubleOf(column: string, type: string, text: string): number {
  if (text === 'NaN') {
    throw refuse(column, type, text, 'SQLite stores NaN as NULL', 'update the row to a number or NULL');
  }
  const x = parseFloatLiteral(text);
  if (Number.isNaN(x)) throw refuse(column, type, text, 'it is not a float literal');
  return x;
}

/**
 * numeric: an integer literal that fits 64 bits → integer; a decimal that a double holds exactly
 * (same canonical digits) → real; `±Infinity` → real; anything else → the text as PostgreSQL
 * printed it (SQLite's NUMERIC affinity may still convert it; drift checks compare by value).
 */
function numericOf(column: string, text: string): SqlValue {
  if (text === 'NaN') {
    throw refuse(column, 'numeric', text, 'SQLite has no NaN', 'update the row to a number or NULL');
  }
  if (text === 'Infinity') return Number.POSITIVE_INFINITY;
  if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (INTEGER_TEXT.test(text)) {
    const value = BigInt(text);
    if (value >= INT64_MIN && value <= INT64_MAX) return value;
  }
  const canonical = canonicalDecimal(text);
  if (canonical === null) throw refuse(column, 'numeric', text, 'it is not a decimal number');
  const x = Number(text);
  const shortest = floatText(x);
  if (Number.isFinite(x) && shortest !== null && canonicalDecimal(shortest) === canonical) return x;
  return text;
}

function booleanOf(column: string, text: string): bigint {
  if (text === 't' || text === 'true') return 1n;
  if (text === 'f' || text === 'false') return 0n;
  throw refuse(column, 'boolean', text, 'it is not t or f');
}

function byteaOf(column: string, text: string): Uint8Array {
  if (!HEX_BYTEA.test(text)) {
    throw refuse(
      column,
      'bytea',
      text,
      'it is not hex bytea output',
      'set bytea_output = hex for the session',
    );
  }
  return Buffer.from(text.slice(2), 'hex');
}

function isReason(value: SqlValue | { readonly reason: string }): value is { readonly reason: string } {
  return value !== null && typeof value === 'object' && !(value instanceof Uint8Array);
}

/** Types whose decoding needs no round-trip check: the text or bytes travel unchanged. */
const LOSSLESS = new Set(['text', 'jsonb', 'bytea', 'boolean', 'bigint', 'integer', 'smallint']);

/**
 * One precompiled decoder per target column (the inverse of `encoderFor`):
 *
 * | target           | SQLite value written                                                   |
 * |------------------|------------------------------------------------------------------------|
 * | bigint/int/small | integer (bigint), exact                                                |
 * | double precision | real, to the bit (`-0`, `±Infinity`); NaN refused                      |
 * | real (float4)    | real holding exactly the float4                                        |
 * | numeric          | integer when integral and in 64 bits, real when a double is exact, else the text |
 * | text, jsonb      | the text as PostgreSQL prints it (a column's NUMERIC affinity turns numbers back into INTEGER/REAL) |
 * | jsonb (variant)  | TEXT, INTEGER, REAL or BLOB as tagged (see variant.ts)                 |
 * | bytea            | blob                                                                   |
 * | boolean          | integer 1 / 0                                                          |
 * | timestamp(tz)    | text `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC), or a number for timeInput unixepoch (s), unixepoch-ms (ms), julianday |
 * | date             | text `YYYY-MM-DD`, or the midnight as a number for a numeric timeInput |
 *
 * Values whose round trip `encoderFor(column)(decoded)` is not the same value (a microsecond a
 * julianday cannot hold, infinity timestamps, BC dates…) are refused with a CodecError.
 */
export function decoderFor(column: CodecColumn): Decoder {
  const { name, type } = column;
  const timeInput = column.timeInput ?? 'text';
  if (column.variant === true && type === 'jsonb') {
    return (text) => {
      if (text === null) return null;
      const value = variantValue(text);
      if (isReason(value)) throw refuse(name, 'jsonb', text, value.reason);
      return value;
    };
  }
  let decode: (text: string) => SqlValue;
  switch (type) {
    case 'bigint':
    case 'integer':
    case 'smallint':
      decode = (text) => integerOf(name, type, text);
      break;
    case 'double precision':
      decode = (text) => doubleOf(name, type, text);
      break;
    case 'real':
      decode = (text) => Math.fround(doubleOf(name, type, text));
      break;
    case 'numeric':
      decode = (text) => numericOf(name, text);
      break;
    case 'text':
    case 'jsonb':
      decode = (text) => text;
      break;
    case 'bytea':
      decode = (text) => byteaOf(name, text);
      break;
    case 'boolean':
      decode = (text) => booleanOf(name, text);
      break;
    case 'timestamp':
    case 'timestamptz':
    case 'date':
      decode = (text) => {
        const value = decodeTime(type, timeInput, text);
        if (isReason(value)) throw refuse(name, type, text, value.reason);
        return value;
      };
      break;
  }
  if (LOSSLESS.has(type)) return (text) => (text === null ? null : decode(text));
  const encode = encoderFor({ name, type, timeInput });
  return (text) => {
    if (text === null) return null;
    const value = decode(text);
    let back: string | null;
    try {
      back = encode(value);
    } catch (error) {
      if (!(error instanceof CodecError)) throw error;
      throw refuse(name, type, text, `its SQLite form would not be read back: ${error.reason}`);
    }
    if (!sameValue(type, back, text)) {
      const how =
        type === 'numeric' || type.startsWith('double') || type === 'real' ? '' : ` as ${timeInput}`;
      throw refuse(name, type, text, `its SQLite form${how} would read back as ${back ?? 'NULL'}`);
    }
    return value;
  };
}

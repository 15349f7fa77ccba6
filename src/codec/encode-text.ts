import type { SqlValue } from '../model/sql-value.js';
import { byteaHex, decodeUtf8, invalidUtf8Offset } from './bytes.js';
import { CodecError, cannotStore, kindOf, nanError, renderValue } from './codec-error.js';
import { floatText } from './decimal.js';
import type { Encoder } from './encoder.js';

const NUMBER_HINT =
  'cast the column to double precision (cast: "double precision") or text to keep such values';
const BYTEA_HINT = 'cast the column to bytea in the config file (cast: "bytea") to keep the bytes exactly';

function nulError(column: string, value: SqlValue, offset: number, unit: string): CodecError {
  return new CodecError(
    column,
    value,
    `text contains a NUL byte (U+0000) at ${unit}offset ${offset}; PostgreSQL text cannot hold it ` +
      `(value ${renderValue(value)} for text column "${column}")`,
    BYTEA_HINT,
  );
}

/**
 * Encoder for text columns. Text passes unchanged unless it holds U+0000; an integer becomes its
 * digits and a real its shortest round-trip digits (`9e999`/`-9e999` for ±Inf), which a column
 * of NUMERIC affinity (MONEY, UUID, …) reads back as the same INTEGER or REAL. A blob is refused:
 * text would give it back as text. Bytes that are not valid UTF-8 are text better-sqlite3 could
 * not decode (the reader re-reads those as bytes) and are refused as such.
 */
export function textEncoder(column: string): Encoder {
  return (value: SqlValue): string | null => {
    if (value === null) return null;
    switch (typeof value) {
      case 'string': {
        const nul = value.indexOf('\0');
        if (nul < 0) return value;
        throw nulError(column, value, nul, '');
      }
      case 'bigint':
        return value.toString();
      case 'number': {
        if (value === Number.POSITIVE_INFINITY) return '9e999';
        if (value === Number.NEGATIVE_INFINITY) return '-9e999';
        const text = floatText(value);
        if (text !== null) return text;
        throw nanError(column, 'text', value);
      }
      default: {
        if (decodeUtf8(value) === null) {
          const detail = `invalid UTF-8 at byte offset ${invalidUtf8Offset(value)}`;
          throw new CodecError(column, value, cannotStore(column, 'text', value, detail), BYTEA_HINT);
        }
        throw new CodecError(
          column,
          value,
          cannotStore(column, 'text', value, 'text would give the blob back as text'),
          BYTEA_HINT,
        );
      }
    }
  };
}

/**
 * Encoder for bytea columns: blob bytes as `\x…` hex. Text and numbers are refused: bytea would
 * give them back as blobs.
 */
export function byteaEncoder(column: string): Encoder {
  return (value: SqlValue): string | null => {
    if (value === null) return null;
    if (value instanceof Uint8Array) return byteaHex(value);
    throw new CodecError(
      column,
      value,
      cannotStore(column, 'bytea', value, `bytea would give the ${kindOf(value)} back as a blob`),
      typeof value === 'string'
        ? 'cast the column to text (cast: "text") when it holds text only, or leave the declared type out (a column without one keeps every storage class)'
        : 'cast the column to a numeric type or text in the config file',
    );
  };
}

/**
 * Why PostgreSQL's jsonb would refuse JSON that `JSON.parse` accepted, or null: `\u0000`
 * escapes and unpaired UTF-16 surrogate escapes. Backslashes only occur inside strings in valid JSON.
 */
function jsonbEscapeProblem(text: string): string | null {
  let i = text.indexOf('\\');
  while (i >= 0) {
    if (text.charCodeAt(i + 1) !== 117) {
      i = text.indexOf('\\', i + 2);
      continue;
    }
    const unit = Number.parseInt(text.slice(i + 2, i + 6), 16);
    if (unit === 0) return `it contains \\u0000 at offset ${i}, which jsonb cannot hold`;
    let next = i + 6;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low =
        text.charCodeAt(next) === 92 && text.charCodeAt(next + 1) === 117
          ? Number.parseInt(text.slice(next + 2, next + 6), 16)
          : -1;
      if (!(low >= 0xdc00 && low <= 0xdfff)) return `it contains an unpaired surrogate escape at offset ${i}`;
      next += 6;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return `it contains an unpaired surrogate escape at offset ${i}`;
    }
    i = text.indexOf('\\', next);
  }
  return null;
}

/**
 * Encoder for jsonb columns (JSON, JSONB: NUMERIC affinity). Valid JSON text passes unchanged;
 * an INTEGER or a finite REAL is the JSON number SQLite's affinity made of the application's
 * JSON text (jsonb gives it back as that text, which the affinity turns into the same INTEGER or
 * REAL again). ±Inf are not JSON; -0.0 (which a NUMERIC-affinity column never holds: SQLite
 * stores the integer 0) would lose its sign; a blob is not JSON text.
 */
export function jsonbEncoder(column: string): Encoder {
  const refuse = (value: SqlValue, detail: string, hint: string): never => {
    throw new CodecError(column, value, cannotStore(column, 'jsonb', value, detail), hint);
  };
  return (value: SqlValue): string | null => {
    if (value === null) return null;
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number') {
      if (Number.isNaN(value)) throw nanError(column, 'jsonb', value);
      if (!Number.isFinite(value)) {
        return refuse(value, 'Infinity is not a JSON number', NUMBER_HINT);
      }
      if (Object.is(value, -0)) return refuse(value, 'jsonb cannot keep the sign of -0', NUMBER_HINT);
      return String(value);
    }
    if (typeof value !== 'string') {
      return refuse(
        value,
        'a blob is not JSON text',
        'SQLite 3.45+ binary JSONB cannot be read as JSON: store json(col) text, or cast the column to bytea (cast: "bytea")',
      );
    }
    try {
      JSON.parse(value);
    } catch (error) {
      return refuse(
        value,
        `invalid JSON (${(error as Error).message})`,
        'cast the column to text (cast: "text")',
      );
    }
    const problem = value.indexOf('\\u') < 0 ? null : jsonbEscapeProblem(value);
    if (problem === null) return value;
    return refuse(value, problem, 'cast the column to text (cast: "text")');
  };
}

import type { SqlValue } from '../model/sql-value.js';
import { byteaHex, byteaHexOfText, decodeUtf8, invalidUtf8Offset } from './bytes.js';
import { CodecError, cannotStore, nanError, renderValue } from './codec-error.js';
import { floatText } from './decimal.js';
import type { Encoder } from './encoder.js';

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
 * Encoder for text columns. Text passes unchanged unless it holds U+0000; a blob passes as its
 * UTF-8 text when valid and NUL-free; an integer or real becomes its exact shortest digits.
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
        const text = floatText(value);
        if (text !== null) return text;
        throw nanError(column, 'text', value);
      }
      default: {
        const text = decodeUtf8(value);
        if (text === null) {
          const detail = `invalid UTF-8 at byte offset ${invalidUtf8Offset(value)}`;
          throw new CodecError(column, value, cannotStore(column, 'text', value, detail), BYTEA_HINT);
        }
        const nul = value.indexOf(0);
        if (nul < 0) return text;
        throw nulError(column, value, nul, 'byte ');
      }
    }
  };
}

/** Encoder for bytea columns: blob bytes as `\x…` hex; text as its UTF-8 bytes; numbers refused. */
export function byteaEncoder(column: string): Encoder {
  return (value: SqlValue): string | null => {
    if (value === null) return null;
    if (value instanceof Uint8Array) return byteaHex(value);
    if (typeof value === 'string') return byteaHexOfText(value);
    throw new CodecError(
      column,
      value,
      cannotStore(column, 'bytea', value),
      'cast the column to a numeric type or text in the config file',
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

/** Encoder for jsonb columns: valid JSON text passes unchanged; anything else is refused. */
export function jsonbEncoder(column: string): Encoder {
  return (value: SqlValue): string | null => {
    if (value === null) return null;
    if (typeof value !== 'string') {
      const hint =
        value instanceof Uint8Array
          ? 'SQLite 3.45+ binary JSONB cannot be read as JSON: store json(col) text, or cast the column to bytea'
          : 'cast the column to text or a numeric type in the config file';
      throw new CodecError(
        column,
        value,
        cannotStore(column, 'jsonb', value, 'only JSON text is accepted'),
        hint,
      );
    }
    try {
      JSON.parse(value);
    } catch (error) {
      const detail = `invalid JSON (${(error as Error).message})`;
      throw new CodecError(
        column,
        value,
        cannotStore(column, 'jsonb', value, detail),
        'cast the column to text',
      );
    }
    const problem = value.indexOf('\\u') < 0 ? null : jsonbEscapeProblem(value);
    if (problem === null) return value;
    throw new CodecError(
      column,
      value,
      cannotStore(column, 'jsonb', value, problem),
      'cast the column to text',
    );
  };
}

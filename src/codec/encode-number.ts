import type { SqlValue } from '../model/sql-value.js';
import { CodecError, cannotStore, nanError } from './codec-error.js';
import { floatText, parseFloatLiteral, plainDecimal, scanDecimal, shape } from './decimal.js';
import type { Encoder } from './encoder.js';

/** Integer target types and their inclusive ranges. */
const INTEGER_RANGES = {
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
} as const;

const TWO_53 = 2 ** 53;
const TWO_53N = 2n ** 53n;
const CAST_HINT =
  'cast the column to text in the config file (cast: "text") to keep such values, or fix the row';
const NUMERIC_HINT = 'cast the column to numeric in the config file (cast: "numeric") to keep every digit';

/** Whether `s` is `0` or `-?[1-9][0-9]*`: the only text an integer column takes. */
function isCanonicalInteger(s: string): boolean {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n || n > 20) return false;
  let c = s.charCodeAt(i);
  if (c === 48) return n === 1;
  for (; i < n; c = s.charCodeAt(++i)) {
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Encoder for bigint, integer and smallint columns. */
export function integerEncoder(column: string, type: keyof typeof INTEGER_RANGES): Encoder {
  const [min, max] = INTEGER_RANGES[type];
  const low = Number(min);
  const highExclusive = Number(max + 1n);
  const range = `out of range (${min} to ${max})`;
  return (value: SqlValue): string | null => {
    if (value === null) return null;
    switch (typeof value) {
      case 'bigint':
        if (value >= min && value <= max) return value.toString();
        throw new CodecError(column, value, cannotStore(column, type, value, range));
      case 'number':
        if (!Number.isInteger(value)) {
          throw new CodecError(
            column,
            value,
            cannotStore(column, type, value, 'it is not an integer'),
            CAST_HINT,
          );
        }
        if (value >= low && value < highExclusive) {
          return value > -TWO_53 && value < TWO_53 ? String(value) : BigInt(value).toString();
        }
        throw new CodecError(column, value, cannotStore(column, type, value, range));
      case 'string': {
        if (!isCanonicalInteger(value)) {
          throw new CodecError(
            column,
            value,
            cannotStore(column, type, value, 'it is not a decimal integer'),
            CAST_HINT,
          );
        }
        const inRange =
          value.length < 16
            ? Number(value) >= low && Number(value) < highExclusive
            : BigInt(value) >= min && BigInt(value) <= max;
        if (inRange) return value;
        throw new CodecError(column, value, cannotStore(column, type, value, range));
      }
      default:
        throw new CodecError(column, value, cannotStore(column, type, value), CAST_HINT);
    }
  };
}

/** Encoder for double precision columns (float8: every SQLite REAL exactly). */
export function doubleEncoder(column: string): Encoder {
  const type = 'double precision';
  return (value: SqlValue): string | null => {
    if (value === null) return null;
    switch (typeof value) {
      case 'number': {
        const text = floatText(value);
        if (text !== null) return text;
        throw nanError(column, type, value);
      }
      case 'bigint':
        if ((value >= -TWO_53N && value <= TWO_53N) || BigInt(Number(value)) === value)
          return value.toString();
        throw new CodecError(
          column,
          value,
          cannotStore(
            column,
            type,
            value,
            `the nearest double is ${BigInt(Number(value))}; digits would be lost`,
          ),
          NUMERIC_HINT,
        );
      case 'string': {
        const x = parseFloatLiteral(value);
        if (!Number.isNaN(x)) return floatText(x);
        throw new CodecError(
          column,
          value,
          cannotStore(column, type, value, 'it is not a finite float literal PostgreSQL reads as written'),
          CAST_HINT,
        );
      }
      default:
        throw new CodecError(column, value, cannotStore(column, type, value), CAST_HINT);
    }
  };
}

/** Encoder for real (float4) columns, only chosen by an explicit cast: refuses any rounding. */
export function realEncoder(column: string): Encoder {
  const type = 'real';
  const refuse = (value: SqlValue, x: number): never => {
    const detail = !Number.isNaN(x)
      ? `float4 would round it to ${floatText(Math.fround(x))}`
      : 'it is not a finite float literal';
    throw new CodecError(
      column,
      value,
      cannotStore(column, type, value, detail),
      'drop the cast to real (keep double precision)',
    );
  };
  return (value: SqlValue): string | null => {
    if (value === null) return null;
    switch (typeof value) {
      case 'number':
        if (Math.fround(value) === value) return floatText(value);
        return refuse(value, value);
      case 'bigint': {
        const x = Number(value);
        if (Math.fround(x) === x && BigInt(x) === value) return value.toString();
        return refuse(value, x);
      }
      case 'string': {
        const x = parseFloatLiteral(value);
        if (Math.fround(x) === x) return floatText(x);
        return refuse(value, x);
      }
      default:
        throw new CodecError(column, value, cannotStore(column, type, value), CAST_HINT);
    }
  };
}

/** Encoder for numeric columns: exact decimal text, never an exponent in the output. */
export function numericEncoder(column: string): Encoder {
  const type = 'numeric';
  const tooBig = (value: SqlValue): never => {
    throw new CodecError(
      column,
      value,
      cannotStore(column, type, value, 'numeric cannot hold that many digits'),
    );
  };
  return (value: SqlValue): string | null => {
    if (value === null) return null;
    switch (typeof value) {
      case 'bigint':
        return value.toString();
      case 'number': {
        if (Number.isNaN(value)) {
          throw nanError(column, type, value);
        }
        if (value === Infinity) return 'Infinity';
        if (value === -Infinity) return '-Infinity';
        const text = String(value);
        if (text.indexOf('e') < 0) return text;
        scanDecimal(text);
        return plainDecimal(text) ?? tooBig(value);
      }
      case 'string': {
        if (value === 'Infinity' || value === '-Infinity') return value;
        if (value === '+Infinity') return 'Infinity';
        if (!scanDecimal(value)) {
          throw new CodecError(
            column,
            value,
            cannotStore(column, type, value, 'it is not a decimal number'),
            CAST_HINT,
          );
        }
        if (!shape.hasExponent) return value;
        return plainDecimal(value) ?? tooBig(value);
      }
      default:
        throw new CodecError(column, value, cannotStore(column, type, value), CAST_HINT);
    }
  };
}

const TEXT_BOOLEANS: ReadonlyMap<string, string> = new Map([
  ['true', 't'],
  ['TRUE', 't'],
  ['t', 't'],
  ['T', 't'],
  ['1', 't'],
  ['yes', 't'],
  ['YES', 't'],
  ['false', 'f'],
  ['FALSE', 'f'],
  ['f', 'f'],
  ['F', 'f'],
  ['0', 'f'],
  ['no', 'f'],
  ['NO', 'f'],
]);

/**
 * Encoder for boolean columns: the INTEGERs 0 and 1 only. boolean gives back 0/1, so anything
 * else (2, a REAL, the text 'true', a blob) would come back changed and is refused.
 */
export function booleanEncoder(column: string): Encoder {
  const type = 'boolean';
  const refuse = (value: SqlValue): never => {
    throw new CodecError(
      column,
      value,
      cannotStore(column, type, value, 'boolean gives back 0/1 only'),
      'cast the column to text (cast: "text") in the config file to keep such values (bigint when they are all integers)',
    );
  };
  return (value: SqlValue): string | null => {
    if (value === null) return null;
    if (typeof value === 'bigint') return value === 0n ? 'f' : value === 1n ? 't' : refuse(value);
    return refuse(value);
  };
}

/** Canonical `t`/`f` of a boolean spelling this codec or PostgreSQL writes, or null. */
export function booleanText(text: string): string | null {
  return TEXT_BOOLEANS.get(text) ?? null;
}

import type { PgType } from '../model/target-schema.js';
import { formatTimestamp, parseDateTime } from './datetime.js';
import { canonicalDecimal, parseFloatLiteral } from './decimal.js';
import { booleanText } from './encode-number.js';
import { jsonbText } from './jsonb-text.js';

/** The double a float8/float4 text denotes (`NaN` included), or null when it is not one. */
function doubleOf(text: string): number | null {
  if (text === 'NaN') return Number.NaN;
  const x = parseFloatLiteral(text);
  return Number.isNaN(x) ? null : x;
}

function sameDouble(a: string, b: string, float4: boolean): boolean {
  const x = doubleOf(a);
  const y = doubleOf(b);
  if (x === null || y === null) return false;
  return float4 ? Object.is(Math.fround(x), Math.fround(y)) : Object.is(x, y);
}

function sameDecimal(a: string, b: string): boolean {
  const x = canonicalDecimal(a);
  return x !== null && x === canonicalDecimal(b);
}

/** The instant a date/time text denotes, normalised to UTC text, or null. */
function instantOf(text: string): string | null {
  return parseDateTime(text) === null ? formatTimestamp() : null;
}

function sameInstant(a: string, b: string): boolean {
  const x = instantOf(a);
  return x !== null && x === instantOf(b);
}

/** Whether two JSON texts print the same as jsonb; false when either is not JSON. */
function sameJsonb(a: string, b: string): boolean {
  try {
    return jsonbText(a) === jsonbText(b);
  } catch {
    return false;
  }
}

/**
 * Whether `encoded` (what an Encoder produced) and `pgText` (what PostgreSQL prints for the stored
 * value in a session with TimeZone 'UTC', DateStyle ISO, extra_float_digits 1, bytea_output hex)
 * are the same value of `type`:
 * - integers and numeric by exact value (`1.50` = `1.5`; `Infinity` only equals itself);
 * - double precision to the bit (`-0` ≠ `0`, `NaN` = `NaN`), real to the float4 bit;
 * - timestamp/timestamptz/date by instant to the microsecond (`+00`, `Z`, `T` all read);
 * - boolean by truth value, bytea by hex ignoring case, jsonb by the text jsonb prints (key order,
 *   whitespace and exponents normalised; a number's scale kept: `1.0` ≠ `1`, as a variant needs);
 * - text exactly. NULL equals only NULL.
 */
export function sameValue(type: PgType, encoded: string | null, pgText: string | null): boolean {
  if (encoded === null || pgText === null) return encoded === pgText;
  if (encoded === pgText) return true;
  switch (type) {
    case 'bigint':
    case 'integer':
    case 'smallint':
    case 'numeric':
      return sameDecimal(encoded, pgText);
    case 'double precision':
      return sameDouble(encoded, pgText, false);
    case 'real':
      return sameDouble(encoded, pgText, true);
    case 'text':
      return false;
    case 'bytea':
      return encoded.toLowerCase() === pgText.toLowerCase();
    case 'boolean': {
      const truth = booleanText(encoded);
      return truth !== null && truth === booleanText(pgText);
    }
    case 'timestamp':
    case 'timestamptz':
    case 'date':
      return sameInstant(encoded, pgText);
    case 'jsonb':
      return sameJsonb(encoded, pgText);
  }
}

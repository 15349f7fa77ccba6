import {
  booleanEncoder,
  doubleEncoder,
  integerEncoder,
  numericEncoder,
  realEncoder,
} from './encode-number.js';
import { byteaEncoder, jsonbEncoder, textEncoder } from './encode-text.js';
import { timeEncoder } from './encode-time.js';
import type { CodecColumn, Encoder } from './encoder.js';
import { variantEncoder } from './variant.js';

/**
 * One precompiled encoder per target column: the type is looked at once, here, never per value.
 * NULL is NULL for every type. Anything not listed is a CodecError (code DATA) naming the column,
 * the value and the reason; nothing is rounded, truncated or dropped silently.
 *
 * | target           | integer (bigint)        | real (number)                  | text (string)                         | blob                  |
 * |------------------|-------------------------|--------------------------------|---------------------------------------|-----------------------|
 * | bigint/int/small | decimal, range-checked  | integral and in range → exact  | canonical `-?[1-9]\d*`/`0` in range   | error                 |
 * | double precision | exact if a double holds it | shortest round-trip, `-0`, `±Infinity`; NaN error | strict float literal, finite, normalised | error |
 * | real (float4)    | exact if float4 holds it | only if `Math.fround(x) === x` | float literal float4 holds exactly    | error                 |
 * | numeric          | decimal                 | shortest digits, exponent expanded (`1e21`, `1.5e-7` → `0.00000015`); `-0` → `0`; `±Infinity` | decimal literal as is; exponent expanded keeping the scale; `Infinity`; no NaN | error |
 * | text             | decimal digits          | shortest round-trip digits, `±9e999` for ±Inf (NUMERIC affinity reads them back as the same REAL) | as is; U+0000 → error | error (text gives back text, not a blob) |
 * | bytea            | error                   | error                          | error (bytea would give it back as a blob) | `\x` + lowercase hex  |
 * | boolean          | 0 → `f`, 1 → `t`, else error | error (boolean gives back 0/1 only) | error (boolean gives back 0/1 only) | error |
 * | timestamp        | with timeInput*         | with timeInput*                | ISO-8601 (datetime.ts), offsets → UTC, `YYYY-MM-DD HH:MM:SS[.ffffff]` | error |
 * | timestamptz      | same, with `+00`        | same, with `+00`               | same, naive text is UTC, `…+00`       | error                 |
 * | date             | same, midnight only     | same, midnight only            | `YYYY-MM-DD`, or a datetime at exactly midnight UTC | error |
 * | jsonb            | a JSON number           | finite: a JSON number (shortest digits); ±Inf error (not JSON); `-0` error (jsonb drops the sign) | valid JSON without `\u0000` or unpaired surrogate escapes, as is | error |
 * | jsonb (variant)  | JSON integer            | JSON number with a fraction, tagged ±Inf/-0 | JSON string  | `{"$blob": "hex"}` (see variant.ts) |
 *
 * *timeInput `text` (default) refuses numbers with a hint; `unixepoch` reads seconds (reals rounded to
 * the microsecond), `unixepoch-ms` milliseconds (reals rounded to the microsecond), `julianday` days
 * rounded to the millisecond as SQLite does. More than 6 fraction digits in text are refused unless
 * the extra ones are zeros (PostgreSQL would round). Years must stay within 0001-9999.
 *
 * A text value containing U+FFFD may be invalid UTF-8 that better-sqlite3 replaced: the reader
 * re-reads such values as blobs and checks them with `isValidUtf8`, so this encoder sees the bytes.
 */
export function encoderFor(column: CodecColumn): Encoder {
  const { name, type } = column;
  if (column.variant === true && type === 'jsonb') return variantEncoder(name);
  switch (type) {
    case 'bigint':
    case 'integer':
    case 'smallint':
      return integerEncoder(name, type);
    case 'double precision':
      return doubleEncoder(name);
    case 'real':
      return realEncoder(name);
    case 'numeric':
      return numericEncoder(name);
    case 'text':
      return textEncoder(name);
    case 'bytea':
      return byteaEncoder(name);
    case 'boolean':
      return booleanEncoder(name);
    case 'timestamp':
    case 'timestamptz':
    case 'date':
      return timeEncoder(name, type, column.timeInput ?? 'text');
    case 'jsonb':
      return jsonbEncoder(name);
  }
}

/**
 * The binary COPY writer of one target column: the column's text encoder decides whether the
 * column can hold a value and what it becomes; this writes that decision as the type's binary
 * form (numeric groups, days and microseconds since 2000-01-01, UTF-8 text and jsonb).
 */
import { BridgeError } from '../errors.js';
import type { SqlValue } from '../model/sql-value.js';
import type { TargetColumn } from '../model/target-schema.js';
import type { BinaryCopyOut } from './copy-binary-out.js';
import { daysFromCivil } from './datetime.js';
import type { Encoder } from './encoder.js';

/** Days from 1970-01-01 to PostgreSQL's epoch 2000-01-01. */
const PG_EPOCH_DAYS = 10957;
/** What n fraction digits are multiplied by to give microseconds. */
const MICRO_SCALE = [0, 100000, 10000, 1000, 100, 10, 1] as const;

/** Writes one non-NULL value of one column. */
export type FieldWriter = (value: Exclude<SqlValue, null>, out: BinaryCopyOut) => void;

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;

/** Thrown when an encoder's text is not the canonical form this module expects: a defect, never data. */
function unexpected(column: string, type: string, text: string): never {
  throw new BridgeError(
    'INTERNAL',
    `column "${column}": ${type} text ${JSON.stringify(text)} has no binary form`,
  );
}

/** Writes the numeric encoder's plain decimal text (`-12.3400`, `Infinity`) in binary form. */
function writeNumericText(text: string, out: BinaryCopyOut, column = 'numeric'): void {
  if (text === 'Infinity' || text === '-Infinity') {
    out.numericField([], 0, text === 'Infinity' ? NUMERIC_PINF : NUMERIC_NINF, 0);
    return;
  }
  let i = 0;
  let negative = false;
  if (text[0] === '-' || text[0] === '+') {
    negative = text[0] === '-';
    i = 1;
  }
  const dot = text.indexOf('.', i);
  const intDigits = text.slice(i, dot < 0 ? text.length : dot);
  const fracDigits = dot < 0 ? '' : text.slice(dot + 1);
  if (!/^\d*$/.test(intDigits) || !/^\d*$/.test(fracDigits) || intDigits.length + fracDigits.length === 0) {
    unexpected(column, 'numeric', text);
  }
  // Base-10000 groups aligned on the decimal point: the integer part padded on the left, the
  // fraction on the right. PostgreSQL strips leading and trailing zero groups on receipt.
  const intPadded = '0'.repeat((4 - (intDigits.length % 4)) % 4) + intDigits;
  const fracPadded = fracDigits + '0'.repeat((4 - (fracDigits.length % 4)) % 4);
  const groups: number[] = [];
  for (let g = 0; g < intPadded.length; g += 4) groups.push(Number(intPadded.slice(g, g + 4)));
  for (let g = 0; g < fracPadded.length; g += 4) groups.push(Number(fracPadded.slice(g, g + 4)));
  let weight = intPadded.length / 4 - 1;
  let first = 0;
  while (first < groups.length && groups[first] === 0) {
    first++;
    weight--;
  }
  let last = groups.length;
  while (last > first && groups[last - 1] === 0) last--;
  const digits = groups.slice(first, last);
  // Zero is positive whatever its sign, as PostgreSQL's own input makes it.
  const sign = digits.length === 0 || !negative ? NUMERIC_POS : NUMERIC_NEG;
  out.numericField(digits, digits.length === 0 ? 0 : weight, sign, fracDigits.length);
}

/** `n` ASCII digits of `s` at `i` as a number, or NaN. */
function digitsAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(i + k) - 48;
    if (!(d >= 0 && d <= 9)) return Number.NaN;
    v = v * 10 + d;
  }
  return v;
}

/** Days since 2000-01-01 of the encoder's `YYYY-MM-DD` (the start of `text`). */
function pgDays(text: string, column: string, type: string): number {
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (Number.isNaN(year + month + day) || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) {
    unexpected(column, type, text);
  }
  return daysFromCivil(year, month, day) - PG_EPOCH_DAYS;
}

/**
 * Writes the instant of the encoder's `YYYY-MM-DD HH:MM:SS[.f{1,6}]` (followed by `suffix`) as
 * timestamp's binary form: microseconds since 2000-01-01 in an int64.
 */
function writeInstant(text: string, suffix: string, out: BinaryCopyOut, column: string, type: string): void {
  const end = text.length - suffix.length;
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  let micro = 0;
  if (end > 19) {
    if (text.charCodeAt(19) !== 46 || end > 26 || end === 20) unexpected(column, type, text);
    micro = digitsAt(text, 20, end - 20) * MICRO_SCALE[end - 20]!;
  }
  if (
    end < 19 ||
    (suffix !== '' && !text.endsWith(suffix)) ||
    text.charCodeAt(10) !== 32 ||
    Number.isNaN(hour + minute + second + micro) ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  ) {
    unexpected(column, type, text);
  }
  out.microsField(pgDays(text, column, type) * 86400 + hour * 3600 + minute * 60 + second, micro);
}

/** The binary writer of one column: the encoder decides, this writes its decision. */
export function fieldWriter(column: string, type: TargetColumn['type'], encode: Encoder): FieldWriter {
  /** The encoder's text for a value it accepts (it throws a CodecError for any other). */
  const text = (value: SqlValue): string => encode(value) ?? unexpected(column, type, 'NULL');
  switch (type) {
    case 'bigint':
      return (value, out) => out.int64Field(typeof value === 'bigint' ? value : BigInt(text(value)));
    case 'integer':
      return (value, out) => out.int32Field(Number(text(value)));
    case 'smallint':
      return (value, out) => out.int16Field(Number(text(value)));
    case 'double precision':
      return (value, out) =>
        out.float64Field(typeof value === 'number' && !Number.isNaN(value) ? value : Number(text(value)));
    case 'real':
      return (value, out) => out.float32Field(Number(text(value)));
    case 'numeric':
      return (value, out) => writeNumericText(text(value), out, column);
    case 'text':
      return (value, out) => out.textField(text(value));
    case 'jsonb':
      return (value, out) => out.textField(text(value), 1);
    case 'bytea':
      // The encoder takes every blob as it is; anything else through its `\x…` text.
      return (value, out) =>
        out.bytesField(value instanceof Uint8Array ? value : Buffer.from(text(value).slice(2), 'hex'));
    case 'boolean':
      return (value, out) => out.booleanField(text(value) === 't');
    case 'timestamp':
      return (value, out) => writeInstant(text(value), '', out, column, type);
    case 'timestamptz':
      return (value, out) => writeInstant(text(value), '+00', out, column, type);
    case 'date':
      return (value, out) => out.int32Field(pgDays(text(value), column, type));
  }
}

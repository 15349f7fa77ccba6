import { BridgeError } from '../errors.js';
import type { SqlValue } from '../model/sql-value.js';
import type { TargetColumn } from '../model/target-schema.js';
import { daysFromCivil } from './datetime.js';
import { encoderFor } from './encode.js';
import type { CodecColumn, Encoder } from './encoder.js';

/**
 * PostgreSQL's binary COPY format, the snapshot's wire format: the server stores each field with
 * its type's receive function instead of parsing text, and the client writes integers, doubles
 * and instants as bytes instead of printing them.
 *
 * Every value still goes through the column's text encoder ({@link encoderFor}), which decides
 * whether the column can hold it and what it becomes; this module only turns that decision into
 * bytes. The hot cases take a shortcut that is the same by construction (a SQLite integer into
 * bigint, a finite or infinite double into double precision, a blob into bytea); the others write
 * the encoder's text in binary form (text and jsonb as UTF-8). A test loads every value of the codec's type matrix
 * and random values both ways (binary COPY, and the encoder's text as a query parameter) and
 * compares what PostgreSQL stored.
 */

/** `PGCOPY\n\377\r\n\0`, then flags and header extension length (both 0). */
const HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);
/** The file trailer: a tuple field count of -1. */
const TRAILER = Buffer.from([0xff, 0xff]);
/** Days from 1970-01-01 to PostgreSQL's epoch 2000-01-01. */
const PG_EPOCH_DAYS = 10957;
/** What n fraction digits are multiplied by to give microseconds. */
const MICRO_SCALE = [0, 100000, 10000, 1000, 100, 10, 1] as const;
const TWO_32 = 2 ** 32;

/** A growable buffer of binary COPY data; `take` hands over what was written and starts anew. */
export class BinaryCopyOut {
  readonly #capacity: number;
  #buf: Buffer;
  #view: DataView;
  /** Bytes written so far. */
  offset = 0;

  constructor(capacity = 1 << 20) {
    this.#capacity = capacity;
    this.#buf = Buffer.allocUnsafe(capacity);
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.length);
  }

  /** The file header, written once before the first tuple. */
  static header(): Buffer {
    return HEADER;
  }

  /** The file trailer, written once after the last tuple. */
  static trailer(): Buffer {
    return TRAILER;
  }

  /** Makes room for `bytes` more. */
  ensure(bytes: number): void {
    const need = this.offset + bytes;
    if (need <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.#buf.length * 2));
    this.#buf.copy(next, 0, 0, this.offset);
    this.#buf = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.length);
  }

  /**
   * The bytes written since the last take; the next writes go to a new buffer of the first
   * capacity (one huge value does not make every later buffer huge).
   */
  take(): Buffer {
    const out = this.#buf.subarray(0, this.offset);
    this.#buf = Buffer.allocUnsafe(this.#capacity);
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.length);
    this.offset = 0;
    return out;
  }

  /**
   * Writes a field's length, `size`, and returns where its `size` bytes go. It may move the buffer:
   * read `#buf` and `#view` only after calling it.
   */
  #fixed(size: number): number {
    this.ensure(4 + size);
    const at = this.offset + 4;
    this.#view.setInt32(this.offset, size);
    this.offset = at + size;
    return at;
  }

  /** A tuple's field count. */
  tupleStart(fields: number): void {
    this.ensure(2);
    this.#view.setInt16(this.offset, fields);
    this.offset += 2;
  }

  nullField(): void {
    this.ensure(4);
    this.#view.setInt32(this.offset, -1);
    this.offset += 4;
  }

  int64Field(value: bigint): void {
    const at = this.#fixed(8);
    this.#view.setBigInt64(at, value);
  }

  /**
   * An int64 of `seconds * 1e6 + micro` (|seconds| < 2^38, 0 <= micro < 1e6), computed exactly in
   * doubles as two 32-bit halves: the product itself would pass 2^53.
   */
  microsField(seconds: number, micro: number): void {
    // seconds = a·2^20 + b, so seconds·1e6 + micro = (a·1e6)·2^20 + (b·1e6 + micro), each part exact.
    const a = Math.floor(seconds / 1048576);
    const high = a * 1e6;
    const low = (seconds - a * 1048576) * 1e6 + micro;
    // (high·2^20) = floor(high / 2^12)·2^32 + (high mod 2^12)·2^20.
    const highWords = Math.floor(high / 4096);
    let lo = (high - highWords * 4096) * 1048576 + (low % TWO_32);
    let hi = highWords + Math.floor(low / TWO_32);
    if (lo >= TWO_32) {
      lo -= TWO_32;
      hi += 1;
    }
    const at = this.#fixed(8);
    this.#view.setInt32(at, hi);
    this.#view.setUint32(at + 4, lo);
  }

  int32Field(value: number): void {
    const at = this.#fixed(4);
    this.#view.setInt32(at, value);
  }

  int16Field(value: number): void {
    const at = this.#fixed(2);
    this.#view.setInt16(at, value);
  }

  float64Field(value: number): void {
    const at = this.#fixed(8);
    this.#view.setFloat64(at, value);
  }

  float32Field(value: number): void {
    const at = this.#fixed(4);
    this.#view.setFloat32(at, value);
  }

  booleanField(value: boolean): void {
    const at = this.#fixed(1);
    this.#buf[at] = value ? 1 : 0;
  }

  /** Text as UTF-8, after `prefix` bytes (jsonb's version byte). */
  textField(text: string, prefix = -1): void {
    const lead = prefix < 0 ? 0 : 1;
    const n = text.length;
    this.ensure(4 + lead + n * 3);
    const buf = this.#buf;
    const start = this.offset + 4;
    if (lead === 1) buf[start] = prefix;
    const at = start + lead;
    // ASCII is copied by hand (cheaper than a call for short values); anything else by Buffer.
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      buf[at + i] = c;
    }
    const bytes = i === n ? n : buf.write(text, at, 'utf8');
    this.#view.setInt32(this.offset, lead + bytes);
    this.offset = at + bytes;
  }

  bytesField(bytes: Uint8Array): void {
    const at = this.#fixed(bytes.length);
    this.#buf.set(bytes, at);
  }

  /** numeric's binary form: digit count, weight, sign, display scale, base-10000 digits. */
  numericField(digits: readonly number[], weight: number, sign: number, dscale: number): void {
    let o = this.#fixed(8 + 2 * digits.length);
    const v = this.#view;
    v.setInt16(o, digits.length);
    v.setInt16(o + 2, weight);
    v.setUint16(o + 4, sign);
    v.setInt16(o + 6, dscale);
    o += 8;
    for (const d of digits) {
      v.setInt16(o, d);
      o += 2;
    }
  }
}

/** Writes one non-NULL value of one column. */
type FieldWriter = (value: Exclude<SqlValue, null>, out: BinaryCopyOut) => void;

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
function fieldWriter(column: string, type: TargetColumn['type'], encode: Encoder): FieldWriter {
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

/** What a binary row encoder needs of each target column. */
export type BinaryColumn = CodecColumn;

/**
 * Builds the function that appends one SQLite row (values in target column order; values past
 * the last column, the reader's page key, are ignored) to `out` as one binary COPY tuple. On any
 * error nothing of the row stays in `out`. A CodecError already names its column and is rethrown
 * as it is; anything else is wrapped as INTERNAL naming the column.
 */
export function binaryRowEncoder(
  columns: readonly BinaryColumn[],
): (row: readonly SqlValue[], out: BinaryCopyOut) => void {
  const n = columns.length;
  const writers = columns.map((c) => fieldWriter(c.name, c.type, encoderFor(c)));
  return (row, out) => {
    if (row.length < n) {
      throw new BridgeError('INTERNAL', `COPY row has ${row.length} values for ${n} columns`);
    }
    const start = out.offset;
    out.tupleStart(n);
    for (let i = 0; i < n; i++) {
      const value = row[i] as SqlValue;
      if (value === null) {
        out.nullField();
        continue;
      }
      try {
        writers[i]!(value, out);
      } catch (error) {
        out.offset = start;
        if (error instanceof BridgeError) throw error;
        const name = columns[i]!.name;
        throw new BridgeError(
          'INTERNAL',
          `encoding column #${i + 1} "${name}" failed: ${(error as Error).message}`,
          {
            cause: error,
            details: { columnIndex: i, column: name },
          },
        );
      }
    }
  };
}

/**
 * The bytes of PostgreSQL's binary COPY format: header, tuples of length-prefixed fields (each
 * type in its receive function's form), trailer, written into one growable buffer.
 */

/** `PGCOPY\n\377\r\n\0`, then flags and header extension length (both 0). */
const HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);
/** The file trailer: a tuple field count of -1. */
const TRAILER = Buffer.from([0xff, 0xff]);
const TWO_32 = 2 ** 32;
/** Text up to this many characters is copied by hand when it is ASCII (see `textField`). */
const HAND_COPY_CHARS = 32;

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
    // Short ASCII is copied by hand (a call costs more than the loop); longer text, and anything
    // not ASCII, by Buffer's encoder (measured: the loop costs 4× the call at 200 characters).
    let i = 0;
    if (n <= HAND_COPY_CHARS) {
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
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

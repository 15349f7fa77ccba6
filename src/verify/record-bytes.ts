/**
 * The bytes of a canonical record (`ROW(...)::text` as PostgreSQL's record_out writes it, UTF-8)
 * written field by field into one reusable buffer, then hashed with md5: the row hash's hot path.
 * It gives the same bytes as `recordText` (row-hash.ts) encoded as UTF-8, without building the
 * record as a JS string first (concatenation, flattening and re-encoding cost more than the md5).
 */
import { hash } from 'node:crypto';

const HEX = '0123456789abcdef';
const HEX_CODES = Uint8Array.from(HEX, (c) => c.charCodeAt(0));
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * Whether record_out quotes a field: empty, or holding `"`, `\`, `(`, `)`, `,` or ASCII
 * whitespace (its isspace is ASCII only: U+00A0 does not count).
 */
export function needsQuotes(f: string): boolean {
  const n = f.length;
  if (n === 0) return true;
  for (let i = 0; i < n; i++) {
    const c = f.charCodeAt(i);
    if (c <= 44) {
      if (c === 32 || c === 34 || c === 40 || c === 41 || c === 44 || (c >= 9 && c <= 13)) return true;
    } else if (c === BACKSLASH) {
      return true;
    }
  }
  return false;
}

/** One record being written; reused for every row of a table. */
export class RecordBytes {
  #buf = new Uint8Array(4096);
  #pos = 0;
  #fields = 0;

  /** Starts a record: `(`. */
  begin(): void {
    this.#buf[0] = 40;
    this.#pos = 1;
    this.#fields = 0;
  }

  /** A NULL field (nothing between the commas). */
  null(): void {
    this.#next(0);
  }

  /** A field known to need no quoting and to be ASCII (digits, signs, hex). */
  ascii(f: string): void {
    const n = f.length;
    this.#next(n);
    const b = this.#buf;
    let o = this.#pos;
    for (let i = 0; i < n; i++) b[o++] = f.charCodeAt(i);
    this.#pos = o;
  }

  /** 64 bits as 16 lowercase hex digits (a float8's IEEE bytes, as `encode(float8send(x), 'hex')`). */
  hex64(hi: number, lo: number): void {
    this.#next(16);
    const b = this.#buf;
    const o = this.#pos;
    for (let i = 0; i < 8; i++) {
      b[o + 7 - i] = HEX_CODES[(hi >>> (i * 4)) & 15]!;
      b[o + 15 - i] = HEX_CODES[(lo >>> (i * 4)) & 15]!;
    }
    this.#pos = o + 16;
  }

  /** Any field text: quoted and escaped as record_out does when needed, UTF-8 encoded. */
  text(f: string): void {
    const n = f.length;
    // Worst case: every UTF-16 unit 3 bytes, or an escaped quote 2 bytes, plus the quotes.
    this.#next(3 * n + 2);
    const quote = needsQuotes(f);
    const b = this.#buf;
    let o = this.#pos;
    if (quote) b[o++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = f.charCodeAt(i);
      if (c < 0x80) {
        if (quote && (c === QUOTE || c === BACKSLASH)) b[o++] = c;
        b[o++] = c;
      } else if (c < 0x800) {
        b[o++] = 0xc0 | (c >> 6);
        b[o++] = 0x80 | (c & 63);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const d = f.charCodeAt(i + 1);
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          b[o++] = 0xf0 | (cp >> 18);
          b[o++] = 0x80 | ((cp >> 12) & 63);
          b[o++] = 0x80 | ((cp >> 6) & 63);
          b[o++] = 0x80 | (cp & 63);
        } else {
          // A lone surrogate: U+FFFD, as Node's UTF-8 encoding of a string writes it.
          b[o++] = 0xef;
          b[o++] = 0xbf;
          b[o++] = 0xbd;
        }
      } else {
        b[o++] = 0xe0 | (c >> 12);
        b[o++] = 0x80 | ((c >> 6) & 63);
        b[o++] = 0x80 | (c & 63);
      }
    }
    if (quote) b[o++] = QUOTE;
    this.#pos = o;
  }

  /** Ends the record (`)`) and returns the md5 of its bytes, hex. */
  md5(): string {
    this.#reserve(1);
    this.#buf[this.#pos++] = 41;
    return hash('md5', this.#buf.subarray(0, this.#pos), 'hex');
  }

  /** The record's bytes so far (for tests). */
  bytes(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }

  /** Starts the next field: a comma unless it is the first; room for `room` more bytes. */
  #next(room: number): void {
    this.#reserve(room + 1);
    if (this.#fields++ > 0) this.#buf[this.#pos++] = 44;
  }

  #reserve(room: number): void {
    if (this.#pos + room + 1 <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + room + 1) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.#buf.subarray(0, this.#pos));
    this.#buf = bigger;
  }
}

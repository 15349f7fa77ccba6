import { BridgeError } from '../errors.js';
import { type SqlValue, storageClassOf } from '../model/sql-value.js';

/** Longest text shown in a rendered value, in UTF-16 code units. */
const MAX_TEXT = 200;
/** Bytes of a blob shown in a rendered value. */
const MAX_BLOB = 32;

/**
 * A value the target column cannot hold exactly. `message` names the column, the value and what is
 * wrong with it; the caller (snapshot, apply) adds table and key to `details`.
 */
export class CodecError extends BridgeError {
  /** Target column name, as PostgreSQL spells it. */
  readonly column: string;
  /** Printable rendering of the raw value (see {@link renderValue}). */
  readonly value: string;
  /** What is wrong, as one sentence (equals `message`). */
  readonly reason: string;

  constructor(column: string, raw: SqlValue, reason: string, hint?: string) {
    const value = renderValue(raw);
    super('DATA', reason, { details: { column, value }, ...(hint === undefined ? {} : { hint }) });
    this.column = column;
    this.value = value;
    this.reason = reason;
  }
}

/**
 * A short printable rendering of a raw SQLite value for messages:
 * - NULL → `NULL`; integer → its decimal digits; real → shortest text (`-0`, `Infinity`, `NaN` kept);
 * - text → `'…'` with quotes doubled and control characters shown as `\uXXXX`, cut after 200
 *   characters and then followed by its length: `'abc…' (5000 chars)`;
 * - blob → `x'0a0b…' (N bytes)` with at most the first 32 bytes in hex.
 */
export function renderValue(raw: SqlValue): string {
  if (raw === null) return 'NULL';
  switch (typeof raw) {
    case 'bigint':
      return raw.toString();
    case 'number':
      return Object.is(raw, -0) ? '-0' : String(raw);
    case 'string': {
      const cut = raw.length > MAX_TEXT;
      const shown = printable(cut ? raw.slice(0, MAX_TEXT) : raw);
      return cut ? `'${shown}…' (${raw.length} chars)` : `'${shown}'`;
    }
    default: {
      const hex = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.length, MAX_BLOB)).toString('hex');
      return `x'${hex}${raw.length > MAX_BLOB ? '…' : ''}' (${raw.length} ${raw.length === 1 ? 'byte' : 'bytes'})`;
    }
  }
}

/** The storage class word used in messages: integer, real, text, blob. */
export function kindOf(raw: SqlValue): string {
  return raw === null ? 'NULL' : storageClassOf(raw);
}

/** `text 'abc' cannot be stored in bigint column "speed"` plus `: detail` when given. */
export function cannotStore(column: string, type: string, raw: SqlValue, detail?: string): string {
  const base = `${kindOf(raw)} ${renderValue(raw)} cannot be stored in ${type} column "${column}"`;
  return detail === undefined ? base : `${base}: ${detail}`;
}

function printable(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x27) {
      out += text.slice(from, i + 1) + "'";
      from = i + 1;
    } else if (c < 0x20 || c === 0x7f) {
      out += text.slice(from, i) + '\\u' + c.toString(16).padStart(4, '0');
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

/** SQLite never stores NaN (it becomes NULL), so a NaN reaching an encoder is refused. */
export function nanError(column: string, type: string, value: SqlValue): CodecError {
  return new CodecError(column, value, cannotStore(column, type, value, 'NaN is not a value SQLite stores'));
}

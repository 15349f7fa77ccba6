import type { SqlValue } from '../model/sql-value.js';

/**
 * Turns one SQLite value into the PostgreSQL text representation for one target column: what goes
 * into a query parameter, or into a COPY text field before escaping. Null for SQL NULL. Throws
 * CodecError for a value the column cannot hold exactly.
 */
export type Encoder = (value: SqlValue) => string | null;

/**
 * What COPY text escaping an encoder's output needs: `scan` (any text: look for backslash, tab,
 * newline, carriage return), `none` (digits, signs, dates… never one of them), `bytea` (exactly one
 * backslash, the leading one of `\x`).
 */
export type CopyEscaping = 'scan' | 'none' | 'bytea';

const escapings = new WeakMap<Encoder, CopyEscaping>();

/** Records that `encoder`'s output needs only `escaping` in COPY text; returns the encoder. */
export function withCopyEscaping(encoder: Encoder, escaping: CopyEscaping): Encoder {
  escapings.set(encoder, escaping);
  return encoder;
}

/** The COPY escaping an encoder declared, `scan` for any other function. */
export function copyEscapingOf(encoder: Encoder): CopyEscaping {
  return escapings.get(encoder) ?? 'scan';
}

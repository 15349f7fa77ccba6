/**
 * Quoting for SQL text: identifiers and string literals. PostgreSQL and SQLite share both rules
 * (`"` around an identifier, `'` around a literal, the quote doubled inside), so this is the one
 * place either side quotes a name or a text it puts into SQL; values otherwise travel as
 * parameters or COPY data.
 */
import { BridgeError } from '../errors.js';

/** Quotes an identifier (PostgreSQL and SQLite): `"` around it, inner quotes doubled. Refuses NUL. */
export function quoteIdent(name: string): string {
  if (name.includes('\0'))
    throw new BridgeError('DATA', `identifier ${JSON.stringify(name)} contains a NUL character`);
  return '"' + name.replaceAll('"', '""') + '"';
}

/** Quotes a string literal (standard_conforming_strings on, as in every supported version). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0'))
    throw new BridgeError('DATA', `literal ${JSON.stringify(value)} contains a NUL character`);
  return "'" + value.replaceAll("'", "''") + "'";
}

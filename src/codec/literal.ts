import type { PgType } from '../model/target-schema.js';

/**
 * A SQL literal `'…'::type` for an encoded value, for DDL defaults: single quotes doubled, nothing
 * else escaped (standard_conforming_strings is on since PostgreSQL 9.1). Encoded values never hold
 * NUL, so the literal is always valid.
 */
export function renderLiteral(encoded: string, type: PgType): string {
  return `'${encoded.replaceAll("'", "''")}'::${type}`;
}

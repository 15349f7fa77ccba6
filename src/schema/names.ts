/**
 * PostgreSQL name rules in one place: identifiers are at most 63 bytes of UTF-8 (NAMEDATALEN - 1),
 * longer ones are silently truncated by the server, so litebridge derives names that fit instead.
 */
import { createHash } from 'node:crypto';

/** The longest identifier PostgreSQL keeps, in bytes. */
export const MAX_IDENTIFIER_BYTES = 63;

/** Length of a name in UTF-8 bytes (what PostgreSQL's limit counts). */
export function utf8Length(name: string): number {
  return Buffer.byteLength(name, 'utf8');
}

/** The longest prefix of `name` that fits in `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(name: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of name) {
    const size = utf8Length(ch);
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += ch;
  }
  return out;
}

/** What PostgreSQL would make of `name`: its first 63 bytes. */
export function pgTruncated(name: string): string {
  return truncateUtf8(name, MAX_IDENTIFIER_BYTES);
}

/** Eight hex digits derived from `text`: stable across runs. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);
}

/**
 * A name for a derived object (index, constraint, partition): `wanted` itself when it fits in
 * 63 bytes and is not in `used`, else a truncated prefix plus `_` and a hash suffix. The result is
 * added to `used` (compare with exact spelling: quoted PostgreSQL names are case-sensitive).
 */
export function uniqueName(wanted: string, used: Set<string>): string {
  let name = wanted;
  for (let attempt = 0; utf8Length(name) > MAX_IDENTIFIER_BYTES || used.has(name); attempt++) {
    const suffix = '_' + shortHash(attempt === 0 ? wanted : `${wanted}#${attempt}`);
    name = truncateUtf8(wanted, MAX_IDENTIFIER_BYTES - suffix.length) + suffix;
  }
  used.add(name);
  return name;
}
/** A name with a suffix, shortened with a hash when it would pass 63 bytes. */
export function suffixedName(base: string, suffix: string): string {
  const name = base + suffix;
  if (utf8Length(name) <= MAX_IDENTIFIER_BYTES) return name;
  const tail = '_' + shortHash(name) + suffix;
  return truncateUtf8(base, MAX_IDENTIFIER_BYTES - utf8Length(tail)) + tail;
}

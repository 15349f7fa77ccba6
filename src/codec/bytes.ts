/** UTF-8 validation and hex rendering of byte strings for the text and bytea encoders. */

/** Strict decoder: throws on invalid UTF-8 and keeps a leading byte-order mark as U+FEFF. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Whether `bytes` are valid UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF). The SQLite
 * reader uses it to re-read a text value containing U+FFFD as a BLOB: better-sqlite3 replaces
 * invalid UTF-8 by U+FFFD, which would silently change the data.
 */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Strict UTF-16 decoders: throw on a lone surrogate. */
const strictUtf16 = {
  'UTF-16le': new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }),
  'UTF-16be': new TextDecoder('utf-16be', { fatal: true, ignoreBOM: true }),
} as const;

/**
 * Whether `bytes` are valid text in a SQLite database `encoding` (`PRAGMA encoding`: UTF-8,
 * UTF-16le or UTF-16be): what a text value's own bytes (`CAST(x AS BLOB)`) must be for the string
 * better-sqlite3 decoded from them to be the value itself.
 */
export function isValidText(bytes: Uint8Array, encoding: string): boolean {
  if (encoding !== 'UTF-16le' && encoding !== 'UTF-16be') return isValidUtf8(bytes);
  try {
    strictUtf16[encoding].decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The bytes as text if they are valid UTF-8, else null. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Offset of the first byte that does not start or continue a valid UTF-8 sequence, or -1 when the
 * bytes are valid. Only called on the error path, to say where the text is broken.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + need >= n) return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** `\x` followed by the bytes in lowercase hex: bytea's text form. */
export function byteaHex(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return '\\x' + buffer.toString('hex');
}

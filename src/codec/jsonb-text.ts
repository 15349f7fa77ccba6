/**
 * The text PostgreSQL prints for a jsonb value, computed from the JSON text the codec sent: what
 * lets a row hash computed in SQLite equal the one PostgreSQL computes from `jsonb::text`.
 */
import { plainDecimal, scanDecimal, shape } from './decimal.js';
import { type Json, JsonNumber, parseExact } from './json-compare.js';

const encoder = new TextEncoder();

/** jsonb's key order: shorter keys (in UTF-8 bytes) first, then bytewise. */
function compareKeys(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return 0;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** A string as PostgreSQL's escape_json writes it: other control characters as `\u00xx`, the rest as is. */
function quote(s: string): string {
  const escaped = s.replace(/["\\\u0000-\u001f]/g, (c) => {
    return ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `"${escaped}"`;
}

/** A JSON number as numeric prints it: exponent expanded, display scale kept, `-0` as `0`. */
function numberText(n: JsonNumber): string {
  if (!scanDecimal(n.text)) return n.canonical;
  const nonZero = shape.nonZero;
  const plain = plainDecimal(n.text) ?? n.canonical;
  return !nonZero && plain.startsWith('-') ? plain.slice(1) : plain;
}

function print(value: Json): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return quote(value);
  if (value instanceof JsonNumber) return numberText(value);
  if (Array.isArray(value)) return `[${value.map(print).join(', ')}]`;
  const keys = [...value.keys()].sort(compareKeys);
  return `{${keys.map((k) => `${quote(k)}: ${print(value.get(k)!)}`).join(', ')}}`;
}

/**
 * `jsonb::text` of a JSON text: keys sorted as jsonb stores them (length, then bytes), the last
 * of duplicate keys kept, `", "` and `": "` separators, numbers in numeric's output form.
 * Throws when `json` is not valid JSON.
 */
export function jsonbText(json: string): string {
  return print(parseExact(json));
}

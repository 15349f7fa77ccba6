/**
 * Query results of both engines as comparable cells, normalised through the codec: PostgreSQL's
 * text output read by its column type, SQLite's value read as that same type would take it
 * (0/1 as a boolean, ISO text as a timestamp, JSON text as jsonb prints it, digits as a number).
 */

import { canonicalDecimal, parseFloatLiteral } from '../codec/decimal.js';
import { encoderFor } from '../codec/index.js';
import { jsonbText } from '../codec/jsonb-text.js';
import type { SqlValue } from '../model/sql-value.js';
import type { PgType } from '../model/target-schema.js';

/** One normalised value. `exact` is the canonical decimal when the value is exact, else null. */
export type Cell =
  | null
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'num'; readonly exact: string | null; readonly approx: number }
  | { readonly k: 'text'; readonly v: string }
  | { readonly k: 'bytes'; readonly v: string };

/**
 * Relative tolerance when one side of a number is a double (SQLite REAL, float8, float4): the
 * values are the same when they differ by at most this fraction of the larger (or by
 * `ABSOLUTE_TOLERANCE` near zero). Exact values on both sides must be equal.
 */
export const RELATIVE_TOLERANCE = 1e-9;
/** Absolute tolerance for doubles near zero (see RELATIVE_TOLERANCE). */
export const ABSOLUTE_TOLERANCE = 1e-12;

/** The codec's type for a PostgreSQL type OID; null for types compared as their text. */
export function pgTypeOfOid(oid: number): PgType | 'json' | 'float4' | null {
  switch (oid) {
    case 16:
      return 'boolean';
    case 20:
    case 21:
    case 23:
    case 26:
      return 'bigint';
    case 700:
      return 'float4';
    case 701:
      return 'double precision';
    case 1700:
      return 'numeric';
    case 17:
      return 'bytea';
    case 114:
    case 3802:
      return 'json';
    case 1114:
      return 'timestamp';
    case 1184:
      return 'timestamptz';
    case 1082:
      return 'date';
    default:
      return null;
  }
}

/** A column's type as the comparison reads it (see pgTypeOfOid). */
export type CellType = ReturnType<typeof pgTypeOfOid>;

const NUMERIC_TYPES = new Set<CellType>(['bigint', 'numeric']);
const DOUBLE_TYPES = new Set<CellType>(['double precision', 'float4']);
const TIME_TYPES = new Set<CellType>(['timestamp', 'timestamptz', 'date']);

function exactNumber(text: string): Cell {
  const exact = canonicalDecimal(text);
  return exact === null ? { k: 'text', v: text } : { k: 'num', exact, approx: Number(text) };
}

function jsonCell(text: string): Cell {
  try {
    return { k: 'text', v: jsonbText(text) };
  } catch {
    return { k: 'text', v: text };
  }
}

/** Date/time text normalised by the codec's encoder (UTC, microseconds); as is when it is not one. */
function timeCell(type: 'timestamp' | 'timestamptz' | 'date', value: string): Cell {
  try {
    return { k: 'text', v: encoderFor({ name: 'result', type })(value) ?? value };
  } catch {
    return { k: 'text', v: value };
  }
}

/** PostgreSQL's text for one value of a column of `type`. */
export function pgCell(type: CellType, text: string | null): Cell {
  if (text === null) return null;
  if (type === 'boolean') return { k: 'bool', v: text === 't' || text === 'true' };
  if (NUMERIC_TYPES.has(type)) return exactNumber(text);
  if (DOUBLE_TYPES.has(type)) {
    const x = text === 'NaN' ? Number.NaN : parseFloatLiteral(text);
    return { k: 'num', exact: null, approx: x };
  }
  if (type === 'bytea') return { k: 'bytes', v: text.replace(/^\\x/, '').toLowerCase() };
  if (type === 'json') return jsonCell(text);
  if (type === 'timestamp' || type === 'timestamptz' || type === 'date') return timeCell(type, text);
  return { k: 'text', v: text };
}

/** SQLite's value, read as PostgreSQL's column `type` would hold it. */
export function sqliteCell(type: CellType, value: SqlValue): Cell {
  if (value === null) return null;
  if (value instanceof Uint8Array) return { k: 'bytes', v: Buffer.from(value).toString('hex') };
  if (type === 'boolean' && (value === 0n || value === 1n)) return { k: 'bool', v: value === 1n };
  if (typeof value === 'bigint') {
    return type === null
      ? { k: 'text', v: value.toString() }
      : { k: 'num', exact: canonicalDecimal(value.toString()), approx: Number(value) };
  }
  if (typeof value === 'number') {
    return type === null ? { k: 'text', v: String(value) } : { k: 'num', exact: null, approx: value };
  }
  if (NUMERIC_TYPES.has(type) || DOUBLE_TYPES.has(type)) return exactNumber(value);
  if (type === 'json') return jsonCell(value);
  if (TIME_TYPES.has(type)) return timeCell(type as 'timestamp', value);
  return { k: 'text', v: value };
}

/** Whether two cells are the same value (numbers with a double on either side: within tolerance). */
export function sameCell(a: Cell, b: Cell): boolean {
  if (a === null || b === null) return a === b;
  if (a.k !== b.k) return false;
  if (a.k === 'num' && b.k === 'num') {
    if (a.exact !== null && b.exact !== null) return a.exact === b.exact;
    if (Number.isNaN(a.approx) || Number.isNaN(b.approx))
      return Number.isNaN(a.approx) && Number.isNaN(b.approx);
    if (a.approx === b.approx) return true;
    const diff = Math.abs(a.approx - b.approx);
    return (
      diff <= ABSOLUTE_TOLERANCE ||
      diff <= RELATIVE_TOLERANCE * Math.max(Math.abs(a.approx), Math.abs(b.approx))
    );
  }
  return (a as { v: unknown }).v === (b as { v: unknown }).v;
}

const RANK = { bool: 1, num: 2, text: 3, bytes: 4 } as const;

/** A total order on cells (NULL first), used to sort rows into multisets on both sides alike. */
export function compareCells(a: Cell, b: Cell): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (a.k !== b.k) return RANK[a.k] - RANK[b.k];
  if (a.k === 'num' && b.k === 'num') {
    if (a.approx !== b.approx) return a.approx < b.approx || Number.isNaN(a.approx) ? -1 : 1;
    return 0;
  }
  const x = String((a as { v: unknown }).v);
  const y = String((b as { v: unknown }).v);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** compareCells over rows, column by column. */
export function compareRows(a: readonly Cell[], b: readonly Cell[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareCells(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Whether two rows hold the same cells. */
export function sameRow(a: readonly Cell[], b: readonly Cell[]): boolean {
  return a.length === b.length && a.every((c, i) => sameCell(c, b[i]!));
}

/**
 * PostgreSQL text for `expression.ts`: each rendered piece carries the precedence of its outermost
 * operator, so parentheses are added exactly where PostgreSQL would group otherwise.
 */
import type { BinaryOp } from './expression-tree.js';

/** Rendered PostgreSQL SQL with the precedence of its outermost operator (see PG_PRECEDENCE). */
export interface Sql {
  readonly sql: string;
  readonly prec: number;
}

/** PostgreSQL's precedence levels (sql-syntax-lexical.html#SQL-PRECEDENCE), loosest first. */
export const LEVEL = Object.freeze({
  OR: 1,
  AND: 2,
  NOT: 3,
  IS: 4,
  COMPARE: 5,
  IN: 6, // IN, BETWEEN, LIKE, ILIKE
  OTHER: 7, // || & | << >> and every other operator
  ADD: 8,
  MUL: 9,
  UNARY: 10,
  ATOM: 12,
});

/** PostgreSQL level of each binary operator SQLite has. */
export const PG_PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  OR: LEVEL.OR,
  AND: LEVEL.AND,
  '=': LEVEL.COMPARE,
  '!=': LEVEL.COMPARE,
  '<>': LEVEL.COMPARE,
  '<': LEVEL.COMPARE,
  '<=': LEVEL.COMPARE,
  '>': LEVEL.COMPARE,
  '>=': LEVEL.COMPARE,
  IS: LEVEL.IS,
  'IS NOT': LEVEL.IS,
  '&': LEVEL.OTHER,
  '|': LEVEL.OTHER,
  '<<': LEVEL.OTHER,
  '>>': LEVEL.OTHER,
  '||': LEVEL.OTHER,
  '+': LEVEL.ADD,
  '-': LEVEL.ADD,
  '*': LEVEL.MUL,
  '/': LEVEL.MUL,
  '%': LEVEL.MUL,
};

/** SQLite's NULL-safe IS / IS NOT in PostgreSQL's words. */
export const PG_OPERATOR: Partial<Record<BinaryOp, string>> = {
  IS: 'IS NOT DISTINCT FROM',
  'IS NOT': 'IS DISTINCT FROM',
};

/** `sql` wrapped in parentheses when its operator binds looser than `min`. */
export function at(s: Sql, min: number): string {
  return s.prec >= min ? s.sql : `(${s.sql})`;
}

/** A SQLite literal as PostgreSQL SQL of the same value. */
export function literal(type: 'integer' | 'real' | 'text' | 'blob' | 'null', text: string): Sql {
  switch (type) {
    case 'null':
      return { sql: 'NULL', prec: LEVEL.ATOM };
    case 'text':
      return { sql: quote(text), prec: LEVEL.ATOM };
    case 'blob':
      return { sql: `'\\x${text.toLowerCase()}'::bytea`, prec: LEVEL.ATOM };
    case 'integer':
      if (/^0[xX]/.test(text)) return { sql: BigInt.asIntN(64, BigInt(text)).toString(), prec: LEVEL.ATOM };
      return { sql: text, prec: LEVEL.ATOM };
    case 'real':
      // A SQLite REAL is a double; PostgreSQL reads 0.1 as numeric, exact, so 0.1 + 0.2 = 0.3 would hold.
      return { sql: `${text.startsWith('.') ? `0${text}` : text}::double precision`, prec: LEVEL.ATOM };
  }
}

/** A PostgreSQL string literal. */
export function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

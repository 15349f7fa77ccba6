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

// PostgreSQL's precedence levels (sql-syntax-lexical.html#SQL-PRECEDENCE), loosest first.
export const P_OR = 1;
export const P_AND = 2;
export const P_NOT = 3;
export const P_IS = 4;
export const P_COMPARE = 5;
export const P_IN = 6; // IN, BETWEEN, LIKE, ILIKE
export const P_OTHER = 7; // || & | << >> and every other operator
export const P_ADD = 8;
export const P_MUL = 9;
export const P_UNARY = 10;
export const P_ATOM = 12;

/** PostgreSQL level of each binary operator SQLite has. */
export const PG_PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  OR: P_OR,
  AND: P_AND,
  '=': P_COMPARE,
  '!=': P_COMPARE,
  '<>': P_COMPARE,
  '<': P_COMPARE,
  '<=': P_COMPARE,
  '>': P_COMPARE,
  '>=': P_COMPARE,
  IS: P_IS,
  'IS NOT': P_IS,
  '&': P_OTHER,
  '|': P_OTHER,
  '<<': P_OTHER,
  '>>': P_OTHER,
  '||': P_OTHER,
  '+': P_ADD,
  '-': P_ADD,
  '*': P_MUL,
  '/': P_MUL,
  '%': P_MUL,
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
      return { sql: 'NULL', prec: P_ATOM };
    case 'text':
      return { sql: quote(text), prec: P_ATOM };
    case 'blob':
      return { sql: `'\\x${text.toLowerCase()}'::bytea`, prec: P_ATOM };
    case 'integer':
      if (/^0[xX]/.test(text)) return { sql: BigInt.asIntN(64, BigInt(text)).toString(), prec: P_ATOM };
      return { sql: text, prec: P_ATOM };
    case 'real':
      // A SQLite REAL is a double; PostgreSQL reads 0.1 as numeric, exact, so 0.1 + 0.2 = 0.3 would hold.
      return { sql: `${text.startsWith('.') ? `0${text}` : text}::double precision`, prec: P_ATOM };
  }
}

/** A PostgreSQL string literal. */
export function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Comparisons in the expression translation: a boolean compared with numeric literals becomes
 * the test of the values 0/1 that satisfy it; other operands are compared in one shape or refused.
 */
import { describe, Refusal } from './expression-refusal.js';
import type { Translation } from './expression-render.js';
import { at, LEVEL, type Sql } from './expression-sql.js';
import { type BinaryOp, type Expr, unwrap } from './expression-tree.js';

/** TRUE / FALSE after IS [NOT]: SQLite's truth tests (`2 IS TRUE` holds), not comparisons with 1 / 0. */
export function truthOf(t: Translation, e: Expr): boolean | undefined {
  const u = unwrap(e);
  if (u.kind !== 'name') return undefined;
  const k = t.keyword(u);
  return k === undefined ? undefined : k === 1;
}

/**
 * When `subject` is boolean and every other operand a numeric literal, the test of the values
 * among 0 and 1 that satisfy `holds`: `flag = 1` is `flag`, `flag > 5` is never true. SQLite
 * gives NULL for a NULL subject (true or false for IS / IS NOT), and so does the result.
 */
export function booleanAgainstLiterals(
  t: Translation,
  subject: Expr,
  others: readonly Expr[],
  holds: (v: number, literals: readonly number[]) => boolean,
  op: BinaryOp | 'plain',
): Sql | null {
  if (t.shape(subject) !== 'bool') return null;
  const column = unwrap(subject).kind === 'name';
  const literals = others.map((o) => comparedLiteral(t, o, column));
  if (literals.some((k) => k === undefined)) return null;
  const zero = holds(0, literals as number[]);
  const one = holds(1, literals as number[]);
  const b = t.value(subject);
  const is = (test: string): Sql => ({ sql: `${at(b, LEVEL.IS + 1)} IS ${test}`, prec: LEVEL.IS });
  if (op === 'IS') {
    // NULL-safe equality: a NULL subject is never equal to a literal.
    if (zero && one) return is('NOT NULL');
    if (one || zero) return is(one ? 'TRUE' : 'FALSE');
    return { sql: 'false', prec: LEVEL.ATOM };
  }
  if (op === 'IS NOT') {
    // NULL-safe inequality: a NULL subject is always unequal to a literal.
    if (zero && one) return { sql: 'true', prec: LEVEL.ATOM };
    if (one || zero) return is(one ? 'NOT FALSE' : 'NOT TRUE');
    return is('NULL');
  }
  if (zero && one) return { sql: `${at(b, LEVEL.IN + 1)} IN (false, true)`, prec: LEVEL.IN };
  if (!zero && !one) return { sql: `${at(b, LEVEL.IN + 1)} NOT IN (false, true)`, prec: LEVEL.IN };
  if (one) return b;
  return { sql: `NOT ${at(b, LEVEL.NOT)}`, prec: LEVEL.NOT };
}

/**
 * The number a literal compared with a boolean stands for. Beside a column (NUMERIC affinity)
 * SQLite reads a text literal such as '1' or ' 1.0 ' as that number; any other text or blob
 * sorts after every number, which Infinity stands for here.
 */
function comparedLiteral(t: Translation, e: Expr, besideColumn: boolean): number | undefined {
  const u = unwrap(e);
  if (u.kind === 'literal' && u.type === 'blob') return Number.POSITIVE_INFINITY;
  if (u.kind !== 'literal' || u.type !== 'text') return numericLiteral(t, e);
  if (besideColumn && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(u.text)) return Number(u.text);
  return Number.POSITIVE_INFINITY;
}

/** The number a (parenthesised, signed) numeric literal or bare TRUE / FALSE stands for. */
export function numericLiteral(t: Translation, e: Expr): number | undefined {
  const u = unwrap(e);
  if (u.kind === 'unary' && (u.op === '-' || u.op === '+')) {
    const v = numericLiteral(t, u.expr);
    return v === undefined ? undefined : u.op === '-' ? -v : v;
  }
  if (u.kind === 'name') return t.keyword(u);
  if (u.kind !== 'literal' || (u.type !== 'integer' && u.type !== 'real')) return undefined;
  return /^0[xX]/.test(u.text) ? Number(BigInt.asIntN(64, BigInt(u.text))) : Number(u.text);
}

/**
 * Operands compared with each other: booleans stay booleans among booleans; beside numbers
 * they become 0/1 as in SQLite; beside text, blobs or dates they are refused.
 */
export function comparable(t: Translation, operands: readonly Expr[], what: string): Sql[] {
  const shapes = operands.map((o) => t.shape(o));
  const mixed = shapes.includes('bool') && shapes.some((s) => s !== 'bool' && s !== 'null');
  if (!mixed) {
    const text = operands.find((o) => t.shape(o) === 'text' || t.shape(o) === 'bytea');
    const number = operands.find((o) => ['int', 'real', 'number'].includes(t.shape(o)));
    if (text !== undefined && number !== undefined) {
      throw new Refusal(
        `${what} compares ${describe(text)} with ${describe(number)}, which SQLite orders by type or converts by column affinity`,
      );
    }
    return operands.map((o) => t.value(o));
  }
  const foreign = operands.find(
    (o) => !['bool', 'int', 'real', 'number', 'null', 'unknown'].includes(t.shape(o)),
  );
  if (foreign !== undefined) {
    throw new Refusal(
      `${what} compares a boolean (0/1 in SQLite) with ${describe(foreign)}, which SQLite compares by its own type order`,
    );
  }
  return operands.map((o) => t.number(o));
}

/** `x [NOT] IN (…)`: an empty list is a constant, a boolean among literals its 0/1 test. */
export function renderIn(t: Translation, e: Expr & { kind: 'in' }): Sql {
  if (e.list.length === 0) return { sql: e.not ? 'true' : 'false', prec: LEVEL.ATOM }; // even for NULL
  const reduced = booleanAgainstLiterals(t, e.expr, e.list, (v, ks) => ks.includes(v) !== e.not, 'plain');
  if (reduced !== null) return reduced;
  const [subject, ...items] = comparable(t, [e.expr, ...e.list], 'IN');
  return {
    sql: `${at(subject!, LEVEL.IN + 1)} ${e.not ? 'NOT IN' : 'IN'} (${items.map((i) => i.sql).join(', ')})`,
    prec: LEVEL.IN,
  };
}

/** `x [NOT] BETWEEN low AND high`, a boolean between literals as its 0/1 test. */
export function renderBetween(t: Translation, e: Expr & { kind: 'between' }): Sql {
  const reduced = booleanAgainstLiterals(
    t,
    e.expr,
    [e.low, e.high],
    (v, [lo, hi]) => (v >= lo! && v <= hi!) !== e.not,
    'plain',
  );
  if (reduced !== null) return reduced;
  const [subject, low, high] = comparable(t, [e.expr, e.low, e.high], 'BETWEEN');
  return {
    sql: `${at(subject!, LEVEL.IN + 1)} ${e.not ? 'NOT BETWEEN' : 'BETWEEN'} ${at(low!, LEVEL.IN + 1)} AND ${at(high!, LEVEL.IN + 1)}`,
    prec: LEVEL.IN,
  };
}

/** SQLite's comparison of two numbers (IS / IS NOT as = / <> : no NULL reaches here). */
export function compare(op: BinaryOp, a: number, b: number): boolean {
  switch (op) {
    case '=':
    case 'IS':
      return a === b;
    case '!=':
    case '<>':
    case 'IS NOT':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      throw new Error(`not a comparison: ${op}`);
  }
}

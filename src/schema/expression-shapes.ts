/**
 * The shapes of `expression.ts`'s type inference: what a SQLite expression's value is once in
 * PostgreSQL, and how shapes combine (SQLite's arithmetic, CASE results, coalesce arguments).
 */
import type { PgType } from '../model/target-schema.js';

/**
 * What a node's value is in PostgreSQL: `bool` (a boolean column, a comparison), `int`, `real`,
 * `number` (an integer or a real row by row in SQLite, e.g. coalesce(n, 0.5): a double in
 * PostgreSQL), `text`, `bytea`, `null` (the NULL literal), `other` (dates, jsonb, numeric kept
 * apart), or `unknown` (no type information: rendered as written).
 */
export type Shape = 'bool' | 'int' | 'real' | 'number' | 'text' | 'bytea' | 'null' | 'other' | 'unknown';

/** How a refusal names a shape. */
export const SHAPE_WORDS: Readonly<Record<Shape, string>> = {
  bool: 'a boolean',
  int: 'an integer',
  real: 'a real',
  number: 'a numeric',
  text: 'a text',
  bytea: 'a blob',
  null: 'a NULL',
  other: 'a non-numeric',
  unknown: 'an untyped',
};

/** The shape of a column of this PostgreSQL type. */
export function shapeOfType(type: PgType): Shape {
  switch (type) {
    case 'boolean':
      return 'bool';
    case 'bigint':
    case 'integer':
    case 'smallint':
      return 'int';
    case 'double precision':
    case 'real':
      return 'real';
    case 'numeric':
      return 'number'; // NUMERIC affinity: an integer or a real row by row in SQLite
    case 'text':
      return 'text';
    case 'bytea':
      return 'bytea';
    default:
      return 'other';
  }
}

/** The shape of a number made from a value of this shape (a boolean counts as 0/1). */
export function numeric(s: Shape): Shape {
  return s === 'bool' || s === 'null' ? 'int' : s;
}

/** One shape for values that meet (CASE results, coalesce arguments, arithmetic operands). */
export function unify(shapes: readonly Shape[]): Shape {
  const known = shapes.filter((s) => s !== 'null');
  if (known.length === 0) return 'null';
  if (known.every((s) => s === known[0])) return known[0]!;
  if (known.every((s) => s === 'bool' || s === 'int')) return 'int';
  if (known.every((s) => s === 'real')) return 'real';
  if (known.every((s) => s === 'bool' || s === 'int' || s === 'real' || s === 'number')) return 'number';
  return 'unknown';
}

/** SQLite's arithmetic: integers stay integers, a real makes a real; `number` stays undecided. */
export function arithmeticShape(a: Shape, b: Shape): Shape {
  if (a === 'number' || b === 'number') return 'number';
  if (a === 'real' || b === 'real') return 'real';
  return unify([a, b]);
}

/** The shape of a result made of values of this shape: NULLs alone are typed as a number. */
export function valued(s: Shape): Shape {
  return s === 'null' ? 'int' : s;
}

/** NULL typed for PostgreSQL as values of this shape (it reads an untyped one as text in places). */
export function typedNull(shape: Shape): string {
  const types: Partial<Record<Shape, string>> = {
    bool: 'boolean',
    int: 'bigint',
    real: 'double precision',
    number: 'double precision',
    text: 'text',
    bytea: 'bytea',
  };
  const type = types[shape];
  return type === undefined ? 'NULL' : `NULL::${type}`;
}

/**
 * The inference pass of the expression translation: the shape every node's value has in
 * PostgreSQL (a BOOLEAN column is `boolean` there, the integer 0/1 in SQLite).
 */
import type { PgType } from '../model/target-schema.js';
import type { ColumnMap, TypeOf } from './expression.js';
import { Refusal } from './expression-refusal.js';
import { arithmeticShape, numeric, type Shape, shapeOfType, unify, valued } from './expression-shapes.js';
import type { BinaryOp, Expr } from './expression-tree.js';

const NOT_COLUMNS: Readonly<Record<string, string>> = {
  CURRENT_TIMESTAMP: 'CURRENT_TIMESTAMP is only translated as a DEFAULT',
  CURRENT_DATE: 'CURRENT_DATE is only translated as a DEFAULT',
  CURRENT_TIME: 'CURRENT_TIME is only translated as a DEFAULT',
};

/** The comparison operators: each yields a boolean. */
export const COMPARISONS = new Set<BinaryOp>(['=', '!=', '<>', '<', '<=', '>', '>=', 'IS', 'IS NOT']);

/** The shapes of one expression's nodes, and the columns and keywords its names stand for. */
export class ShapeInference {
  readonly #columnMap: ColumnMap;
  readonly #typeOf: TypeOf | undefined;
  readonly #shapes = new Map<Expr, Shape>();

  constructor(columnMap: ColumnMap, typeOf: TypeOf | undefined) {
    this.#columnMap = columnMap;
    this.#typeOf = typeOf;
  }

  // ---- type inference ----

  /** The node's shape in PostgreSQL (memoised: the inference pass over the tree). */
  shape(e: Expr): Shape {
    let s = this.#shapes.get(e);
    if (s === undefined) {
      s = this.#infer(e);
      this.#shapes.set(e, s);
    }
    return s;
  }

  #infer(e: Expr): Shape {
    switch (e.kind) {
      case 'literal':
        return ({ integer: 'int', real: 'real', text: 'text', blob: 'bytea', null: 'null' } as const)[e.type];
      case 'name': {
        if (this.keyword(e) !== undefined) return 'int';
        const type = this.column(e).type;
        return type === undefined ? 'unknown' : shapeOfType(type);
      }
      case 'paren':
      case 'collate':
        return this.shape(e.expr);
      case 'unary':
        return e.op === 'NOT' ? 'bool' : e.op === '~' ? 'int' : numeric(this.shape(e.expr));
      case 'binary':
        if (e.op === 'AND' || e.op === 'OR' || COMPARISONS.has(e.op)) return 'bool';
        if (e.op === '||') return 'text';
        if (e.op === '+' || e.op === '-' || e.op === '*' || e.op === '/' || e.op === '%')
          return arithmeticShape(numeric(this.shape(e.left)), numeric(this.shape(e.right)));
        return 'int';
      case 'null-test':
      case 'in':
      case 'between':
      case 'like':
        return 'bool';
      case 'call':
        if (e.name === 'length' || e.name === 'instr') return 'int';
        if (e.name === 'abs') return numeric(this.shape(e.args[0] ?? nullLiteral));
        if (e.name === 'coalesce' || e.name === 'ifnull' || e.name === 'nullif')
          return valued(unify(e.args.map((a) => this.shape(a))));
        return 'text';
      case 'case':
        return valued(unify(resultsOf(e).map((r) => this.shape(r))));
    }
  }

  /** The integer a bare TRUE / FALSE stands for when no column has that name. */
  keyword(e: Expr & { kind: 'name' }): 1 | 0 | undefined {
    if (!e.bare || this.#columnMap(e.name) !== undefined) return undefined;
    const upper = e.name.toUpperCase();
    return upper === 'TRUE' ? 1 : upper === 'FALSE' ? 0 : undefined;
  }

  /** The PostgreSQL name and type of the column a name stands for; refused when it is none. */
  column(e: Expr & { kind: 'name' }): { pg: string; type: PgType | undefined } {
    const pg = this.#columnMap(e.name);
    if (pg === undefined) {
      const reason = e.bare ? NOT_COLUMNS[e.name.toUpperCase()] : undefined;
      throw new Refusal(reason ?? `${e.text} is not a column of this table`);
    }
    return { pg, type: this.#typeOf?.(e.name) };
  }
}

/** SQLite's NULL literal, the implicit ELSE of a CASE. */
export const nullLiteral: Expr = { kind: 'literal', type: 'null', text: 'NULL' };

/** The results a CASE can give, ELSE (or its implicit NULL) last. */
export function resultsOf(e: Expr & { kind: 'case' }): Expr[] {
  return [...e.whens.map((w) => w.result), e.otherwise ?? nullLiteral];
}

/**
 * The rendering pass of the expression translation: each node kind as PostgreSQL SQL with
 * SQLite's meaning, converting where the inferred shapes differ (a boolean used as a number
 * becomes `b::int`, a number used as a condition `n <> 0`).
 */

import {
  booleanAgainstLiterals,
  comparable,
  compare,
  numericLiteral,
  renderBetween,
  renderIn,
  truthOf,
} from './expression-comparison.js';
import { COMPARISONS, resultsOf, ShapeInference } from './expression-inference.js';
import { describe, Refusal } from './expression-refusal.js';
import { SHAPE_WORDS, typedNull, unify } from './expression-shapes.js';
import { at, LEVEL, literal, PG_OPERATOR, PG_PRECEDENCE, quote, type Sql } from './expression-sql.js';
import { type BinaryOp, type Expr, unwrap } from './expression-tree.js';
import { quoteIdent } from './quote.js';

/** SQLite function → PostgreSQL function with the same meaning on the same arguments. */
const FUNCTIONS: Readonly<Record<string, string>> = {
  length: 'length',
  lower: 'lower',
  upper: 'upper',
  abs: 'abs',
  coalesce: 'coalesce',
  ifnull: 'coalesce',
  nullif: 'nullif',
  trim: 'btrim',
  ltrim: 'ltrim',
  rtrim: 'rtrim',
  substr: 'substr',
  substring: 'substr',
  instr: 'strpos',
  replace: 'replace',
};
/** Functions whose first argument must be text in PostgreSQL. */
const TEXT_FUNCTIONS = new Set(['length', 'lower', 'upper', 'trim', 'ltrim', 'rtrim', 'substr', 'substring']);
TEXT_FUNCTIONS.add('instr').add('replace');

const INTEGER_ONLY = new Set<BinaryOp>(['%', '&', '|', '<<', '>>']);

/** One expression rendered as PostgreSQL: the node kinds over the inferred shapes. */
export class Translation extends ShapeInference {
  /** True when SQLite finds the value non-zero (NULL stays NULL): a PostgreSQL boolean. */
  condition(e: Expr): Sql {
    const shape = this.shape(e);
    if (shape === 'bool' || shape === 'null' || shape === 'unknown') return this.value(e);
    if (shape === 'int' || shape === 'real' || shape === 'number')
      return { sql: `${at(this.value(e), LEVEL.COMPARE + 1)} <> 0`, prec: LEVEL.COMPARE };
    throw new Refusal(
      `${describe(e)} is used as a condition: SQLite reads ${SHAPE_WORDS[shape]} value as a number there, PostgreSQL needs a boolean`,
    );
  }

  /** The operand of IS [NOT] NULL: any column, jsonb included (a null test means the same on both sides). */
  #tested(e: Expr): Sql {
    if (e.kind === 'name' && this.keyword(e) === undefined) {
      return { sql: quoteIdent(this.column(e).pg), prec: LEVEL.ATOM };
    }
    return this.value(e);
  }

  /** The value as SQLite sees it where a number is wanted: booleans become 0/1. */
  number(e: Expr): Sql {
    if (this.shape(e) !== 'bool') return this.value(e);
    return { sql: `${at(this.value(e), LEVEL.ATOM)}::int`, prec: LEVEL.ATOM };
  }

  /** The node in its own PostgreSQL shape. */
  value(e: Expr): Sql {
    switch (e.kind) {
      case 'literal':
        return literal(e.type, e.text);
      case 'name': {
        const k = this.keyword(e);
        if (k !== undefined) return { sql: String(k), prec: LEVEL.ATOM };
        const column = this.column(e);
        if (column.type === 'jsonb') {
          throw new Refusal(
            `column ${e.name} is jsonb in PostgreSQL, whose operators do not compare as SQLite compares its values`,
          );
        }
        return { sql: quoteIdent(column.pg), prec: LEVEL.ATOM };
      }
      case 'paren':
        return { sql: `(${this.value(e.expr).sql})`, prec: LEVEL.ATOM };
      case 'collate':
        if (e.collation.toUpperCase() === 'BINARY') return this.value(e.expr);
        throw new Refusal(`COLLATE ${e.collation} has no PostgreSQL equivalent`);
      case 'unary':
        return this.#unary(e);
      case 'binary':
        return this.#binary(e);
      case 'null-test':
        return {
          sql: `${at(this.#tested(e.expr), LEVEL.IS + 1)} IS ${e.not ? 'NOT ' : ''}NULL`,
          prec: LEVEL.IS,
        };
      case 'in':
        return renderIn(this, e);
      case 'between':
        return renderBetween(this, e);
      case 'like':
        return this.#like(e);
      case 'call':
        return this.#call(e);
      case 'case':
        return this.#case(e);
    }
  }

  #unary(e: Expr & { kind: 'unary' }): Sql {
    if (e.op === 'NOT') return { sql: `NOT ${at(this.condition(e.expr), LEVEL.NOT)}`, prec: LEVEL.NOT };
    if (e.op === '~') this.#refuseReal('~', e.expr);
    const operand = at(this.#arithmetic(e.expr), LEVEL.UNARY);
    // `- -1` must keep its space: `--` starts a comment. PostgreSQL's prefix ~ binds like any operator.
    const sql = `${e.op}${operand.startsWith('-') ? ' ' : ''}${operand}`;
    return { sql, prec: e.op === '~' ? LEVEL.OTHER : LEVEL.UNARY };
  }

  #binary(e: Expr & { kind: 'binary' }): Sql {
    const prec = PG_PRECEDENCE[e.op];
    if (e.op === 'AND' || e.op === 'OR') {
      return {
        sql: `${at(this.condition(e.left), prec)} ${e.op} ${at(this.condition(e.right), prec + 1)}`,
        prec,
      };
    }
    if (e.op === 'IS' || e.op === 'IS NOT') {
      const truth = truthOf(this, e.right);
      if (truth !== undefined) {
        const test = `${e.op} ${truth ? 'TRUE' : 'FALSE'}`;
        return { sql: `${at(this.condition(e.left), LEVEL.IS + 1)} ${test}`, prec: LEVEL.IS };
      }
    }
    if (COMPARISONS.has(e.op)) {
      const reduced = booleanAgainstLiterals(this, e.left, [e.right], (v, [k]) => compare(e.op, v, k!), e.op);
      if (reduced !== null) return reduced;
      const reversed = booleanAgainstLiterals(
        this,
        e.right,
        [e.left],
        (v, [k]) => compare(e.op, k!, v),
        e.op,
      );
      if (reversed !== null) return reversed;
      const [left, right] = comparable(this, [e.left, e.right], e.op);
      const op = PG_OPERATOR[e.op] ?? e.op;
      return { sql: `${at(left!, prec + 1)} ${op} ${at(right!, prec + 1)}`, prec };
    }
    if (e.op === '||')
      return { sql: `${at(this.#text(e.left), prec)} || ${at(this.#text(e.right), prec + 1)}`, prec };
    if (INTEGER_ONLY.has(e.op)) for (const x of [e.left, e.right]) this.#refuseReal(e.op, x);
    if (e.op === '/')
      for (const x of [e.left, e.right])
        if (this.shape(x) === 'number')
          throw new Refusal(
            `/ on ${describe(x)}, an integer or a real row by row: SQLite divides integers without remainder, PostgreSQL would divide them as reals`,
          );
    let left = at(this.#arithmetic(e.left), prec);
    let right = at(this.#arithmetic(e.right), prec + 1);
    const literal = numericLiteral(this, e.right);
    if ((e.op === '/' || e.op === '%') && (literal === undefined || literal === 0)) {
      // SQLite divides by zero into NULL; PostgreSQL raises an error.
      right = `nullif(${this.#arithmetic(e.right).sql}, 0)`;
    }
    if (e.op === '<<' || e.op === '>>') {
      if (literal === undefined || !Number.isInteger(literal) || literal < 0 || literal > 63)
        throw new Refusal(
          `${e.op} by ${describe(e.right)}: SQLite and PostgreSQL differ on counts outside 0 to 63`,
        );
      // A PostgreSQL integer literal or 0/1 is 32 bits: shift it as SQLite's 64-bit integer.
      left = `${at(this.#arithmetic(e.left), LEVEL.ATOM)}::bigint`;
    }
    return { sql: `${left} ${e.op} ${right}`, prec };
  }

  /** %, &, |, <<, >> and ~ truncate a SQLite REAL to an integer; PostgreSQL has no such operator on reals. */
  #refuseReal(op: string, e: Expr): void {
    if (this.shape(e) === 'real' || this.shape(e) === 'number')
      throw new Refusal(
        `${op} truncates ${describe(e)} to an integer in SQLite; PostgreSQL refuses a real there`,
      );
  }

  /** An operand of arithmetic: SQLite reads text and blobs as numbers there, PostgreSQL refuses them. */
  #arithmetic(e: Expr): Sql {
    const shape = this.shape(e);
    if (shape === 'text' || shape === 'bytea' || shape === 'other')
      throw new Refusal(
        `arithmetic on ${describe(e)} reads it as a number in SQLite, which PostgreSQL does not`,
      );
    // PostgreSQL cannot pick an operator for an untyped NULL (- NULL, NULL + NULL).
    if (shape === 'null') return { sql: 'NULL::bigint', prec: LEVEL.ATOM };
    return this.number(e);
  }

  /** An operand of `||` or LIKE: SQLite reads its text form; an integer's (and 0/1's) is PostgreSQL's too. */
  #text(e: Expr): Sql {
    const shape = this.shape(e);
    if (shape === 'int' || shape === 'bool')
      return { sql: `${at(this.number(e), LEVEL.ATOM)}::text`, prec: LEVEL.ATOM };
    if (shape === 'text' || shape === 'null' || shape === 'unknown') return this.value(e);
    throw new Refusal(`${describe(e)} is read as text, and SQLite's text form of it is not PostgreSQL's`);
  }

  /** LIKE → ILIKE (SQLite's LIKE ignores ASCII case); ESCAPE '' unless one is given. */
  #like(e: Expr & { kind: 'like' }): Sql {
    const pattern = unwrap(e.pattern);
    if (pattern.kind !== 'literal' || pattern.type !== 'text')
      throw new Refusal('LIKE with a pattern that is not a string literal is not translated');
    if (/[^\x00-\x7f]/.test(pattern.text))
      throw new Refusal('LIKE with non-ASCII letters: case folding differs');
    let sql = `${at(this.#text(e.expr), LEVEL.IN + 1)} ${e.not ? 'NOT ILIKE' : 'ILIKE'} ${quote(pattern.text)}`;
    if (e.escape !== null) sql += ` ESCAPE ${at(this.value(e.escape), LEVEL.IN + 1)}`;
    else if (pattern.text.includes('\\')) sql += " ESCAPE ''";
    return { sql, prec: LEVEL.IN };
  }

  #call(e: Expr & { kind: 'call' }): Sql {
    const pg = FUNCTIONS[e.name];
    if (pg === undefined) throw new Refusal(`function ${e.text} has no PostgreSQL equivalent`);
    const first = e.args[0];
    if (TEXT_FUNCTIONS.has(e.name) && first !== undefined) this.#requireText(e.name, first);
    if ((e.name === 'substr' || e.name === 'substring') && !isPositiveLiteral(e.args[1]))
      throw new Refusal(
        'substr with a start that is not a positive literal counts differently in PostgreSQL',
      );
    if ((e.name === 'trim' || e.name === 'ltrim' || e.name === 'rtrim') && e.args.length > 2)
      throw new Refusal(`${e.name} takes at most two arguments`);
    const args =
      e.name === 'coalesce' || e.name === 'ifnull' || e.name === 'nullif'
        ? this.#members(e, e.args)
        : e.name === 'abs'
          ? e.args.map((a) => this.#arithmetic(a).sql)
          : e.args.map((a) => this.number(a).sql);
    return { sql: `${pg}(${args.join(', ')})`, prec: LEVEL.ATOM };
  }

  #requireText(name: string, arg: Expr): void {
    const shape = this.shape(arg);
    if (
      shape === 'text' ||
      shape === 'null' ||
      shape === 'unknown' ||
      (name === 'length' && shape === 'bytea')
    )
      return;
    const u = unwrap(arg);
    const type = u.kind === 'name' ? this.column(u).type : undefined;
    throw new Refusal(
      `${name}() of a ${type ?? shape} ${type === undefined ? 'expression' : 'column'} reads its SQLite text form, which PostgreSQL does not share`,
    );
  }

  #case(e: Expr & { kind: 'case' }): Sql {
    const parts = ['CASE'];
    let whens: string[];
    if (e.base !== null) {
      const [base, ...rest] = comparable(this, [e.base, ...e.whens.map((w) => w.when)], 'CASE');
      // PostgreSQL reads an untyped NULL as text there: type it like the WHEN values.
      const typed = typedNull(unify(e.whens.map((w) => this.shape(w.when))));
      parts.push(this.shape(e.base) === 'null' ? typed : base!.sql);
      whens = rest.map((r) => r.sql);
    } else {
      whens = e.whens.map((w) => this.condition(w.when).sql);
    }
    const results = this.#members(e, resultsOf(e));
    for (const [i, when] of whens.entries()) parts.push(`WHEN ${when} THEN ${results[i]}`);
    if (e.otherwise !== null) parts.push(`ELSE ${results[e.whens.length]}`);
    parts.push('END');
    return { sql: parts.join(' '), prec: LEVEL.ATOM };
  }

  /**
   * Values that meet in one result (CASE results, coalesce arguments) rendered in the result's
   * shape: booleans stay booleans among booleans, else become 0/1; when every one is NULL,
   * PostgreSQL would call them text, so they are typed as SQLite's NULL of a number.
   */
  #members(whole: Expr, members: readonly Expr[]): string[] {
    const shape = this.shape(whole);
    const shapes = members.map((m) => this.shape(m));
    if (shape === 'unknown' && !shapes.includes('unknown')) {
      const kinds = [...new Set(shapes.filter((s) => s !== 'null'))].join(' and ');
      throw new Refusal(
        `${whole.kind === 'case' ? 'CASE results' : `${whole.kind === 'call' ? whole.text : ''}() arguments`} mix ${kinds} values: SQLite keeps each one's type, PostgreSQL needs one type`,
      );
    }
    const allNull = shapes.every((s) => s === 'null');
    return members.map((m) => {
      if (allNull) return 'NULL::bigint';
      return (shape === 'bool' ? this.value(m) : this.number(m)).sql;
    });
  }
}

function isPositiveLiteral(e: Expr | undefined): boolean {
  return e?.kind === 'literal' && e.type === 'integer' && /^[1-9]\d*$/.test(e.text);
}

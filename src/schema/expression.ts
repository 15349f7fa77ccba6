/**
 * Translates a SQLite expression (CHECK, index part, partial-index WHERE, DEFAULT) to PostgreSQL
 * with SQLite's meaning. Three passes: `expression-tree.ts` parses it; `infer` gives every node
 * the shape its value has in PostgreSQL (a BOOLEAN column is `boolean` there but the integer
 * 0/1 in SQLite, where a comparison also yields 0/1); the renderer then converts where the two
 * differ: a boolean used as a number becomes `b::int`, a number used as a condition becomes
 * `n <> 0`, and a boolean compared with numeric literals becomes the test of the values 0/1
 * that satisfy it (`flag = 1` → `flag`, `flag = 2` → never true, NULL kept NULL).
 * It is a whitelist: anything whose meaning could differ is refused with a reason, never
 * guessed at. The caller reports the refusal and leaves the object out.
 */
import type { PgType } from '../model/target-schema.js';
import {
  arithmeticShape,
  numeric,
  SHAPE_WORDS,
  type Shape,
  shapeOfType,
  typedNull,
  unify,
  valued,
} from './expression-shapes.js';
import { at, LEVEL, literal, PG_OPERATOR, PG_PRECEDENCE, quote, type Sql } from './expression-sql.js';
import {
  type BinaryOp,
  type Expr,
  parseExpression,
  UnsupportedExpression,
  unwrap,
} from './expression-tree.js';
import { quoteIdent } from './quote.js';

/** The outcome of a translation: PostgreSQL SQL, or the reason there is none. */
export type ExpressionResult =
  | { readonly ok: true; readonly sql: string }
  | { readonly ok: false; readonly reason: string };

/** Maps a SQLite column name (matched case-insensitively by the caller) to its PostgreSQL name. */
export type ColumnMap = (name: string) => string | undefined;

/** The PostgreSQL type of a SQLite column, when known. */
export type TypeOf = (name: string) => PgType | undefined;

/**
 * Where the expression is used: as a condition (CHECK, partial-index WHERE: true when SQLite
 * finds it non-zero), as an index key, or as the DEFAULT of a column of the given type.
 */
export type ExpressionUse = 'condition' | 'index key' | { readonly defaultOf: PgType };

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

const NOT_COLUMNS: Readonly<Record<string, string>> = {
  CURRENT_TIMESTAMP: 'CURRENT_TIMESTAMP is only translated as a DEFAULT',
  CURRENT_DATE: 'CURRENT_DATE is only translated as a DEFAULT',
  CURRENT_TIME: 'CURRENT_TIME is only translated as a DEFAULT',
};

class Refusal extends Error {}

/** Translates one SQLite expression for `use` (a condition by default); see the module comment. */
export function translateExpression(
  sql: string,
  columnMap: ColumnMap,
  typeOf?: TypeOf,
  use: ExpressionUse = 'condition',
): ExpressionResult {
  let tree: Expr;
  try {
    tree = parseExpression(sql);
  } catch (error) {
    if (error instanceof UnsupportedExpression) return { ok: false, reason: error.message };
    if (error instanceof SyntaxError)
      return { ok: false, reason: `cannot read the expression: ${error.message}` };
    throw error;
  }
  try {
    const t = new Translation(columnMap, typeOf);
    if (use === 'condition') return { ok: true, sql: t.condition(tree).sql };
    if (use === 'index key') return { ok: true, sql: t.value(tree).sql };
    if (use.defaultOf === 'boolean') {
      if (t.shape(tree) !== 'bool' && t.shape(tree) !== 'null')
        throw new Refusal(
          `${SHAPE_WORDS[t.shape(tree)]} expression cannot be the default of a boolean column`,
        );
      return { ok: true, sql: t.value(tree).sql };
    }
    return { ok: true, sql: t.number(tree).sql };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, reason: error.message };
    throw error;
  }
}

const INTEGER_ONLY = new Set<BinaryOp>(['%', '&', '|', '<<', '>>']);
const COMPARISONS = new Set<BinaryOp>(['=', '!=', '<>', '<', '<=', '>', '>=', 'IS', 'IS NOT']);

class Translation {
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
        if (this.#keyword(e) !== undefined) return 'int';
        const type = this.#column(e).type;
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
  #keyword(e: Expr & { kind: 'name' }): 1 | 0 | undefined {
    if (!e.bare || this.#columnMap(e.name) !== undefined) return undefined;
    const upper = e.name.toUpperCase();
    return upper === 'TRUE' ? 1 : upper === 'FALSE' ? 0 : undefined;
  }

  #column(e: Expr & { kind: 'name' }): { pg: string; type: PgType | undefined } {
    const pg = this.#columnMap(e.name);
    if (pg === undefined) {
      const reason = e.bare ? NOT_COLUMNS[e.name.toUpperCase()] : undefined;
      throw new Refusal(reason ?? `${e.text} is not a column of this table`);
    }
    return { pg, type: this.#typeOf?.(e.name) };
  }

  // ---- rendering ----

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
    if (e.kind === 'name' && this.#keyword(e) === undefined) {
      return { sql: quoteIdent(this.#column(e).pg), prec: LEVEL.ATOM };
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
        const k = this.#keyword(e);
        if (k !== undefined) return { sql: String(k), prec: LEVEL.ATOM };
        const column = this.#column(e);
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
        return this.#in(e);
      case 'between':
        return this.#between(e);
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
      const truth = this.#truth(e.right);
      if (truth !== undefined) {
        const test = `${e.op} ${truth ? 'TRUE' : 'FALSE'}`;
        return { sql: `${at(this.condition(e.left), LEVEL.IS + 1)} ${test}`, prec: LEVEL.IS };
      }
    }
    if (COMPARISONS.has(e.op)) {
      const reduced = this.#booleanAgainstLiterals(e.left, [e.right], (v, [k]) => compare(e.op, v, k!), e.op);
      if (reduced !== null) return reduced;
      const reversed = this.#booleanAgainstLiterals(
        e.right,
        [e.left],
        (v, [k]) => compare(e.op, k!, v),
        e.op,
      );
      if (reversed !== null) return reversed;
      const [left, right] = this.#comparable([e.left, e.right], e.op);
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
    const literal = this.#numericLiteral(e.right);
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

  /** TRUE / FALSE after IS [NOT]: SQLite's truth tests (`2 IS TRUE` holds), not comparisons with 1 / 0. */
  #truth(e: Expr): boolean | undefined {
    const u = unwrap(e);
    if (u.kind !== 'name') return undefined;
    const k = this.#keyword(u);
    return k === undefined ? undefined : k === 1;
  }

  /**
   * When `subject` is boolean and every other operand a numeric literal, the test of the values
   * among 0 and 1 that satisfy `holds`: `flag = 1` is `flag`, `flag > 5` is never true. SQLite
   * gives NULL for a NULL subject (true or false for IS / IS NOT), and so does the result.
   */
  #booleanAgainstLiterals(
    subject: Expr,
    others: readonly Expr[],
    holds: (v: number, literals: readonly number[]) => boolean,
    op: BinaryOp | 'plain',
  ): Sql | null {
    if (this.shape(subject) !== 'bool') return null;
    const column = unwrap(subject).kind === 'name';
    const literals = others.map((o) => this.#comparedLiteral(o, column));
    if (literals.some((k) => k === undefined)) return null;
    const zero = holds(0, literals as number[]);
    const one = holds(1, literals as number[]);
    const b = this.value(subject);
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
  #comparedLiteral(e: Expr, besideColumn: boolean): number | undefined {
    const u = unwrap(e);
    if (u.kind === 'literal' && u.type === 'blob') return Number.POSITIVE_INFINITY;
    if (u.kind !== 'literal' || u.type !== 'text') return this.#numericLiteral(e);
    if (besideColumn && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(u.text)) return Number(u.text);
    return Number.POSITIVE_INFINITY;
  }

  /** The number a (parenthesised, signed) numeric literal or bare TRUE / FALSE stands for. */
  #numericLiteral(e: Expr): number | undefined {
    const u = unwrap(e);
    if (u.kind === 'unary' && (u.op === '-' || u.op === '+')) {
      const v = this.#numericLiteral(u.expr);
      return v === undefined ? undefined : u.op === '-' ? -v : v;
    }
    if (u.kind === 'name') return this.#keyword(u);
    if (u.kind !== 'literal' || (u.type !== 'integer' && u.type !== 'real')) return undefined;
    return /^0[xX]/.test(u.text) ? Number(BigInt.asIntN(64, BigInt(u.text))) : Number(u.text);
  }

  /**
   * Operands compared with each other: booleans stay booleans among booleans; beside numbers
   * they become 0/1 as in SQLite; beside text, blobs or dates they are refused.
   */
  #comparable(operands: readonly Expr[], what: string): Sql[] {
    const shapes = operands.map((o) => this.shape(o));
    const mixed = shapes.includes('bool') && shapes.some((s) => s !== 'bool' && s !== 'null');
    if (!mixed) {
      const text = operands.find((o) => this.shape(o) === 'text' || this.shape(o) === 'bytea');
      const number = operands.find((o) => ['int', 'real', 'number'].includes(this.shape(o)));
      if (text !== undefined && number !== undefined) {
        throw new Refusal(
          `${what} compares ${describe(text)} with ${describe(number)}, which SQLite orders by type or converts by column affinity`,
        );
      }
      return operands.map((o) => this.value(o));
    }
    const foreign = operands.find(
      (o) => !['bool', 'int', 'real', 'number', 'null', 'unknown'].includes(this.shape(o)),
    );
    if (foreign !== undefined) {
      throw new Refusal(
        `${what} compares a boolean (0/1 in SQLite) with ${describe(foreign)}, which SQLite compares by its own type order`,
      );
    }
    return operands.map((o) => this.number(o));
  }

  #in(e: Expr & { kind: 'in' }): Sql {
    if (e.list.length === 0) return { sql: e.not ? 'true' : 'false', prec: LEVEL.ATOM }; // even for NULL
    const reduced = this.#booleanAgainstLiterals(
      e.expr,
      e.list,
      (v, ks) => ks.includes(v) !== e.not,
      'plain',
    );
    if (reduced !== null) return reduced;
    const [subject, ...items] = this.#comparable([e.expr, ...e.list], 'IN');
    return {
      sql: `${at(subject!, LEVEL.IN + 1)} ${e.not ? 'NOT IN' : 'IN'} (${items.map((i) => i.sql).join(', ')})`,
      prec: LEVEL.IN,
    };
  }

  #between(e: Expr & { kind: 'between' }): Sql {
    const reduced = this.#booleanAgainstLiterals(
      e.expr,
      [e.low, e.high],
      (v, [lo, hi]) => (v >= lo! && v <= hi!) !== e.not,
      'plain',
    );
    if (reduced !== null) return reduced;
    const [subject, low, high] = this.#comparable([e.expr, e.low, e.high], 'BETWEEN');
    return {
      sql: `${at(subject!, LEVEL.IN + 1)} ${e.not ? 'NOT BETWEEN' : 'BETWEEN'} ${at(low!, LEVEL.IN + 1)} AND ${at(high!, LEVEL.IN + 1)}`,
      prec: LEVEL.IN,
    };
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
    const type = u.kind === 'name' ? this.#column(u).type : undefined;
    throw new Refusal(
      `${name}() of a ${type ?? shape} ${type === undefined ? 'expression' : 'column'} reads its SQLite text form, which PostgreSQL does not share`,
    );
  }

  #case(e: Expr & { kind: 'case' }): Sql {
    const parts = ['CASE'];
    let whens: string[];
    if (e.base !== null) {
      const [base, ...rest] = this.#comparable([e.base, ...e.whens.map((w) => w.when)], 'CASE');
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

const nullLiteral: Expr = { kind: 'literal', type: 'null', text: 'NULL' };

/** The results a CASE can give, ELSE (or its implicit NULL) last. */
function resultsOf(e: Expr & { kind: 'case' }): Expr[] {
  return [...e.whens.map((w) => w.result), e.otherwise ?? nullLiteral];
}

/** SQLite's comparison of two numbers (IS / IS NOT as = / <> : no NULL reaches here). */
function compare(op: BinaryOp, a: number, b: number): boolean {
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

function isPositiveLiteral(e: Expr | undefined): boolean {
  return e?.kind === 'literal' && e.type === 'integer' && /^[1-9]\d*$/.test(e.text);
}

/** How a refusal names an operand: `column flag`, or `an expression`. */
function describe(e: Expr): string {
  const u = unwrap(e);
  if (u.kind === 'name') return `column ${u.name}`;
  if (u.kind === 'literal') return `the ${u.type} ${u.type === 'text' ? quote(u.text) : u.text}`;
  return 'an expression';
}

/**
 * Parses a SQLite expression into the typed tree of `expression-tree.ts`, from `sql-tokens.ts`
 * tokens with SQLite's own operator precedence (lang_expr.html, "Operators"). The tree covers
 * what `expression.ts` can translate; constructs it does not model (subqueries, parameters, CAST, RAISE, qualified
 * names, GLOB, REGEXP, MATCH, JSON arrows, row values, window calls) are refused here with
 * the reason, and text it cannot read is a SyntaxError.
 */
import type { BinaryOp, Expr, NameExpr } from './expression-tree.js';
import { isPunct, isWord, type Token, tokenize } from './sql-tokens.js';

/** A construct the tree does not model: the reason is shown to the user. */
export class UnsupportedExpression extends Error {}

// SQLite's binding powers, loosest first.
const OR = 1;
const AND = 2;
const NOT = 3;
const EQUALITY = 4; // = == != <> IS IN LIKE GLOB BETWEEN ISNULL NOTNULL NOT NULL
const RELATIONAL = 5; // < <= > >=
const BITWISE = 7; // & | << >>
const ADDITIVE = 8;
const MULTIPLICATIVE = 9;
const CONCAT = 10; // || -> ->>
const COLLATE = 11;
const UNARY = 12;

const BINARY: Readonly<Record<string, readonly [BinaryOp, number]>> = {
  '=': ['=', EQUALITY],
  '==': ['=', EQUALITY],
  '!=': ['!=', EQUALITY],
  '<>': ['<>', EQUALITY],
  '<': ['<', RELATIONAL],
  '<=': ['<=', RELATIONAL],
  '>': ['>', RELATIONAL],
  '>=': ['>=', RELATIONAL],
  '&': ['&', BITWISE],
  '|': ['|', BITWISE],
  '<<': ['<<', BITWISE],
  '>>': ['>>', BITWISE],
  '+': ['+', ADDITIVE],
  '-': ['-', ADDITIVE],
  '*': ['*', MULTIPLICATIVE],
  '/': ['/', MULTIPLICATIVE],
  '%': ['%', MULTIPLICATIVE],
  '||': ['||', CONCAT],
};

const REFUSED_WORDS: Readonly<Record<string, string>> = {
  GLOB: 'GLOB has no PostgreSQL equivalent',
  REGEXP: 'REGEXP has no PostgreSQL equivalent',
  MATCH: 'MATCH has no PostgreSQL equivalent',
  SELECT: 'subqueries are not translated',
  EXISTS: 'subqueries are not translated',
  VALUES: 'subqueries are not translated',
  WITH: 'subqueries are not translated',
  CAST: "CAST follows SQLite's lenient conversion rules, which PostgreSQL does not share",
  RAISE: 'RAISE is not translated',
};

/** Words that cannot start an operand. */
const RESERVED = new Set([
  'AND',
  'OR',
  'IN',
  'IS',
  'BETWEEN',
  'LIKE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'ESCAPE',
  'COLLATE',
  'ISNULL',
  'NOTNULL',
  'DISTINCT',
  'FROM',
]);

/** Parses one SQLite expression. Throws SyntaxError when unreadable, UnsupportedExpression when not modelled. */
export function parseExpression(sql: string): Expr {
  const tokens = tokenize(sql);
  if (tokens.length === 0) throw new SyntaxError('empty expression');
  const parser = new Parser(tokens);
  const expr = parser.expr(OR);
  parser.end();
  return expr;
}

class Parser {
  readonly #t: readonly Token[];
  #i = 0;

  constructor(tokens: readonly Token[]) {
    this.#t = tokens;
  }

  end(): void {
    const tok = this.#t[this.#i];
    if (tok !== undefined) {
      if (isPunct(tok, ';')) throw new UnsupportedExpression('unexpected ;');
      throw new SyntaxError(`unexpected ${tok.text} at offset ${tok.start}`);
    }
  }

  /** Parses an expression whose operators all bind at least as tightly as `min`. */
  expr(min: number): Expr {
    let left = this.#prefix();
    for (;;) {
      const next = this.#infix(left, min);
      if (next === null) return left;
      left = next;
    }
  }

  #peek(offset = 0): Token | undefined {
    return this.#t[this.#i + offset];
  }

  #take(): Token {
    const tok = this.#t[this.#i];
    if (tok === undefined) throw new SyntaxError('unexpected end of expression');
    this.#i++;
    return tok;
  }

  #expect(text: string): void {
    const tok = this.#take();
    if (!(isPunct(tok, text) || isWord(tok, text)))
      throw new SyntaxError(`expected ${text} at offset ${tok.start}, found ${tok.text}`);
  }

  #prefix(): Expr {
    const tok = this.#take();
    switch (tok.kind) {
      case 'number':
        if (tok.text.includes('_'))
          throw new UnsupportedExpression(`number ${tok.text} with digit separators`);
        return { kind: 'literal', type: numberType(tok.text), text: tok.text };
      case 'string':
        return { kind: 'literal', type: 'text', text: tok.value };
      case 'blob':
        if (!/^([0-9a-fA-F]{2})*$/.test(tok.value))
          throw new SyntaxError(`malformed blob literal ${tok.text}`);
        return { kind: 'literal', type: 'blob', text: tok.value };
      case 'param':
        throw new UnsupportedExpression(`parameter ${tok.text} in an expression`);
      case 'quoted':
        return this.#name(tok, false);
      case 'operator':
        if (tok.text === '-' || tok.text === '+' || tok.text === '~')
          return { kind: 'unary', op: tok.text, expr: this.expr(UNARY) };
        throw new SyntaxError(`unexpected ${tok.text} at offset ${tok.start}`);
      case 'punct':
        if (tok.text === '(') return this.#paren();
        if (tok.text === ';') throw new UnsupportedExpression('unexpected ;');
        throw new SyntaxError(`unexpected ${tok.text} at offset ${tok.start}`);
      case 'word':
        return this.#word(tok);
    }
  }

  #paren(): Expr {
    if (isWord(this.#peek(), 'SELECT', 'WITH', 'VALUES'))
      throw new UnsupportedExpression('subqueries are not translated');
    const expr = this.expr(OR);
    if (isPunct(this.#peek(), ',')) throw new UnsupportedExpression('row values are not translated');
    this.#expect(')');
    return { kind: 'paren', expr };
  }

  #word(tok: Token): Expr {
    const upper = tok.text.toUpperCase();
    const refused = REFUSED_WORDS[upper];
    if (refused !== undefined) throw new UnsupportedExpression(refused);
    if (upper === 'NULL') return { kind: 'literal', type: 'null', text: 'NULL' };
    if (upper === 'NOT') return { kind: 'unary', op: 'NOT', expr: this.expr(NOT) };
    if (upper === 'CASE') return this.#case();
    if (RESERVED.has(upper)) throw new SyntaxError(`unexpected ${tok.text} at offset ${tok.start}`);
    if (isPunct(this.#peek(), '(')) return this.#call(tok);
    return this.#name(tok, true);
  }

  #name(tok: Token, bare: boolean): NameExpr {
    if (isPunct(this.#peek(), '.')) throw new UnsupportedExpression('qualified names are not translated');
    return { kind: 'name', name: tok.value, text: tok.text, bare };
  }

  #call(tok: Token): Expr {
    this.#expect('(');
    if (isWord(this.#peek(), 'DISTINCT') || isPunct(this.#peek(), '*'))
      throw new UnsupportedExpression(`aggregate call ${tok.text}(${this.#peek()!.text} …) in an expression`);
    const args: Expr[] = [];
    if (!isPunct(this.#peek(), ')')) {
      do args.push(this.expr(OR));
      while (isPunct(this.#peek(), ',') && this.#take());
    }
    this.#expect(')');
    if (isWord(this.#peek(), 'FILTER', 'OVER'))
      throw new UnsupportedExpression('window functions are not translated');
    return { kind: 'call', name: tok.text.toLowerCase(), text: tok.text, args };
  }

  #case(): Expr {
    const base = isWord(this.#peek(), 'WHEN') ? null : this.expr(OR);
    const whens: { when: Expr; result: Expr }[] = [];
    while (isWord(this.#peek(), 'WHEN')) {
      this.#take();
      const when = this.expr(OR);
      this.#expect('THEN');
      whens.push({ when, result: this.expr(OR) });
    }
    if (whens.length === 0) throw new SyntaxError('CASE without WHEN');
    let otherwise: Expr | null = null;
    if (isWord(this.#peek(), 'ELSE')) {
      this.#take();
      otherwise = this.expr(OR);
    }
    this.#expect('END');
    return { kind: 'case', base, whens, otherwise };
  }

  /** The expression `left` extends into by the next operator, or null when that binds looser than `min`. */
  #infix(left: Expr, min: number): Expr | null {
    const tok = this.#peek();
    if (tok === undefined) return null;
    if (tok.kind === 'operator') {
      if (tok.text === '->' || tok.text === '->>') {
        if (CONCAT < min) return null;
        throw new UnsupportedExpression(`operator ${tok.text} has no PostgreSQL equivalent`);
      }
      const binary = BINARY[tok.text];
      if (binary === undefined || binary[1] < min) return null;
      this.#take();
      return { kind: 'binary', op: binary[0], left, right: this.expr(binary[1] + 1) };
    }
    if (tok.kind !== 'word') return null;
    const upper = tok.text.toUpperCase();
    if (upper === 'OR' || upper === 'AND') {
      const power = upper === 'OR' ? OR : AND;
      if (power < min) return null;
      this.#take();
      return { kind: 'binary', op: upper, left, right: this.expr(power + 1) };
    }
    if (upper === 'COLLATE') {
      if (COLLATE < min) return null;
      this.#take();
      const name = this.#take();
      return { kind: 'collate', expr: left, collation: name.value };
    }
    if (EQUALITY < min) return null;
    let not = false;
    let op = upper;
    if (upper === 'NOT') {
      const after = this.#peek(1);
      if (isWord(after, 'NULL')) {
        this.#i += 2;
        return { kind: 'null-test', not: true, expr: left };
      }
      if (!isWord(after, 'IN', 'LIKE', 'BETWEEN', 'GLOB', 'REGEXP', 'MATCH')) return null;
      not = true;
      op = after!.text.toUpperCase();
      this.#i++;
    }
    const refused = REFUSED_WORDS[op];
    if (refused !== undefined) throw new UnsupportedExpression(refused);
    switch (op) {
      case 'ISNULL':
      case 'NOTNULL':
        this.#take();
        return { kind: 'null-test', not: op === 'NOTNULL', expr: left };
      case 'IS':
        this.#take();
        return this.#is(left);
      case 'IN':
        this.#take();
        return { kind: 'in', not, expr: left, list: this.#list() };
      case 'BETWEEN': {
        this.#take();
        // The low bound runs to the AND (SQLite's parser cannot end it sooner); the high one binds like <.
        const low = this.expr(EQUALITY);
        this.#expect('AND');
        return { kind: 'between', not, expr: left, low, high: this.expr(RELATIONAL) };
      }
      case 'LIKE': {
        this.#take();
        const pattern = this.expr(RELATIONAL);
        let escapeChar: Expr | null = null;
        if (isWord(this.#peek(), 'ESCAPE')) {
          this.#take();
          escapeChar = this.expr(BITWISE);
        }
        return { kind: 'like', not, expr: left, pattern, escape: escapeChar };
      }
      default:
        return null;
    }
  }

  #is(left: Expr): Expr {
    let not = false;
    if (isWord(this.#peek(), 'NOT')) {
      this.#take();
      not = true;
    }
    if (isWord(this.#peek(), 'DISTINCT')) {
      // a IS DISTINCT FROM b is a IS NOT b; a IS NOT DISTINCT FROM b is a IS b.
      this.#take();
      this.#expect('FROM');
      not = !not;
    }
    const right = this.expr(RELATIONAL);
    if (right.kind === 'literal' && right.type === 'null') return { kind: 'null-test', not, expr: left };
    return { kind: 'binary', op: not ? 'IS NOT' : 'IS', left, right };
  }

  #list(): Expr[] {
    if (!isPunct(this.#peek(), '(')) throw new UnsupportedExpression('IN <table> is not translated');
    this.#take();
    if (isWord(this.#peek(), 'SELECT', 'WITH', 'VALUES'))
      throw new UnsupportedExpression('subqueries are not translated');
    const list: Expr[] = [];
    if (!isPunct(this.#peek(), ')')) {
      do list.push(this.expr(OR));
      while (isPunct(this.#peek(), ',') && this.#take());
    }
    this.#expect(')');
    return list;
  }
}

/** SQLite reads a decimal literal without point or exponent that fits 64 bits as an INTEGER. */
function numberType(text: string): 'integer' | 'real' {
  if (/^0[xX]/.test(text)) return 'integer';
  if (!/^\d+$/.test(text)) return 'real';
  return BigInt(text) < 2n ** 63n ? 'integer' : 'real';
}

/**
 * Translates a SQLite expression (CHECK, index part, partial-index WHERE, DEFAULT) to PostgreSQL.
 * It is a whitelist: anything whose meaning could differ is refused with a reason, never
 * guessed at. The caller reports the refusal and leaves the object out.
 */
import type { PgType } from '../model/target-schema.js';
import { quoteIdent } from './ddl.js';
import { closingParen, isPunct, isWord, splitTopLevel, type Token, tokenize } from './sql-tokens.js';

/** The outcome of a translation: PostgreSQL SQL, or the reason there is none. */
export type ExpressionResult =
  | { readonly ok: true; readonly sql: string }
  | { readonly ok: false; readonly reason: string };

/** Maps a SQLite column name (matched case-insensitively by the caller) to its PostgreSQL name. */
export type ColumnMap = (name: string) => string | undefined;

/** The PostgreSQL type of a SQLite column, when known. */
export type TypeOf = (name: string) => PgType | undefined;

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
const TEXT_FUNCTIONS = new Set([
  'length',
  'lower',
  'upper',
  'trim',
  'ltrim',
  'rtrim',
  'substr',
  'substring',
  'instr',
  'replace',
]);

/** Keywords copied as they are (after upper-casing). */
const KEYWORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'NULL',
  'IN',
  'BETWEEN',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'ESCAPE',
  'DISTINCT',
  'FROM',
]);
const REFUSED_WORDS: Readonly<Record<string, string>> = {
  GLOB: 'GLOB has no PostgreSQL equivalent',
  REGEXP: 'REGEXP has no PostgreSQL equivalent',
  MATCH: 'MATCH has no PostgreSQL equivalent',
  SELECT: 'subqueries are not translated',
  EXISTS: 'subqueries are not translated',
  CAST: "CAST follows SQLite's lenient conversion rules, which PostgreSQL does not share",
  TRUE: 'TRUE is the integer 1 in SQLite but a boolean in PostgreSQL',
  FALSE: 'FALSE is the integer 0 in SQLite but a boolean in PostgreSQL',
  CURRENT_TIMESTAMP: 'CURRENT_TIMESTAMP is only translated as a DEFAULT',
  CURRENT_DATE: 'CURRENT_DATE is only translated as a DEFAULT',
  CURRENT_TIME: 'CURRENT_TIME is only translated as a DEFAULT',
  RAISE: 'RAISE is not translated',
};
const OPERATORS = new Set([
  '=',
  '<',
  '>',
  '<=',
  '>=',
  '<>',
  '!=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '||',
  '&',
  '|',
  '<<',
  '>>',
  '~',
]);

class Refusal extends Error {}

/** Translates one SQLite expression; see the module comment for what is refused. */
export function translateExpression(sql: string, columnMap: ColumnMap, typeOf?: TypeOf): ExpressionResult {
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch (error) {
    return { ok: false, reason: `cannot read the expression: ${(error as Error).message}` };
  }
  if (tokens.length === 0) return { ok: false, reason: 'empty expression' };
  try {
    const booleanRewrite = booleanInZeroOne(tokens, columnMap, typeOf);
    if (booleanRewrite !== null) return { ok: true, sql: booleanRewrite };
    return { ok: true, sql: join(new Translator(tokens, columnMap, typeOf).run(0, tokens.length)) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, reason: error.message };
    throw error;
  }
}

/** `flag IN (0, 1)` on a column that became boolean: the type already says it; keep the intent. */
function booleanInZeroOne(tokens: readonly Token[], columnMap: ColumnMap, typeOf?: TypeOf): string | null {
  const [col, kw, open, a, comma, b, close] = tokens;
  if (
    tokens.length !== 7 ||
    col === undefined ||
    !isWord(kw, 'IN') ||
    !isPunct(open, '(') ||
    !isPunct(close, ')')
  )
    return null;
  if (!isPunct(comma, ',') || a?.kind !== 'number' || b?.kind !== 'number') return null;
  if (new Set([a.text, b.text]).size !== 2 || ![a.text, b.text].every((v) => v === '0' || v === '1'))
    return null;
  const name = col.kind === 'word' || col.kind === 'quoted' ? col.value : undefined;
  const pg = name === undefined ? undefined : columnMap(name);
  if (name === undefined || pg === undefined || typeOf?.(name) !== 'boolean') return null;
  return `${quoteIdent(pg)} IN (false, true)`;
}

class Translator {
  readonly #tokens: readonly Token[];
  readonly #columnMap: ColumnMap;
  readonly #typeOf: TypeOf | undefined;

  constructor(tokens: readonly Token[], columnMap: ColumnMap, typeOf: TypeOf | undefined) {
    this.#tokens = tokens;
    this.#columnMap = columnMap;
    this.#typeOf = typeOf;
  }

  run(from: number, to: number): string[] {
    const out: string[] = [];
    const t = this.#tokens;
    for (let i = from; i < to; i++) {
      const tok = t[i]!;
      switch (tok.kind) {
        case 'string':
          out.push(tok.text);
          break;
        case 'number':
          out.push(number(tok.text));
          break;
        case 'blob':
          if (!/^([0-9a-fA-F]{2})*$/.test(tok.value)) throw new Refusal(`malformed blob literal ${tok.text}`);
          out.push(`'\\x${tok.value.toLowerCase()}'::bytea`);
          break;
        case 'param':
          throw new Refusal(`parameter ${tok.text} in an expression`);
        case 'punct':
          if (tok.text === '.') throw new Refusal('qualified names are not translated');
          if (tok.text === ';') throw new Refusal('unexpected ;');
          out.push(tok.text);
          break;
        case 'operator':
          if (tok.text === '==') out.push('=');
          else if (OPERATORS.has(tok.text)) out.push(tok.text);
          else throw new Refusal(`operator ${tok.text} has no PostgreSQL equivalent`);
          break;
        case 'quoted':
          out.push(this.#column(i));
          break;
        case 'word':
          i = this.#word(i, out);
          break;
      }
    }
    return out;
  }

  /** Handles a bare word at index i; returns the index of the last token consumed. */
  #word(i: number, out: string[]): number {
    const t = this.#tokens;
    const tok = t[i]!;
    const upper = tok.text.toUpperCase();
    if (
      isPunct(t[i + 1], '(') &&
      !KEYWORDS.has(upper) &&
      !['IS', 'LIKE', 'COLLATE'].includes(upper) &&
      REFUSED_WORDS[upper] === undefined
    ) {
      return this.#call(i, out);
    }
    const refused = REFUSED_WORDS[upper];
    if (refused !== undefined) throw new Refusal(refused);
    if (upper === 'IS') {
      const not = isWord(t[i + 1], 'NOT');
      const after = t[i + (not ? 2 : 1)];
      if (isWord(after, 'NULL')) {
        out.push(not ? 'IS NOT NULL' : 'IS NULL');
        return i + (not ? 2 : 1);
      }
      if (isWord(after, 'DISTINCT')) {
        out.push(not ? 'IS NOT' : 'IS');
        return i + (not ? 1 : 0);
      }
      if (isWord(after, 'TRUE', 'FALSE')) throw new Refusal('IS TRUE / IS FALSE compares integers in SQLite');
      // SQLite's `a IS b` is a NULL-safe equality: PostgreSQL's IS NOT DISTINCT FROM.
      out.push(not ? 'IS DISTINCT FROM' : 'IS NOT DISTINCT FROM');
      return i + (not ? 1 : 0);
    }
    if (upper === 'ISNULL') {
      out.push('IS NULL');
      return i;
    }
    if (upper === 'NOTNULL') {
      out.push('IS NOT NULL');
      return i;
    }
    if (upper === 'NOT' && isWord(t[i + 1], 'NULL') && isOperand(t[i - 1])) {
      out.push('IS NOT NULL');
      return i + 1;
    }
    if (upper === 'LIKE') return this.#like(i, out);
    if (upper === 'COLLATE') {
      if (isWord(t[i + 1], 'BINARY')) return i + 1;
      throw new Refusal(`COLLATE ${t[i + 1]?.text ?? ''} has no PostgreSQL equivalent`);
    }
    if (upper === 'IN' && !isPunct(t[i + 1], '(')) throw new Refusal('IN <table> is not translated');
    if (KEYWORDS.has(upper)) {
      out.push(upper);
      return i;
    }
    out.push(this.#column(i));
    return i;
  }

  #column(i: number): string {
    const t = this.#tokens;
    const tok = t[i]!;
    if (isPunct(t[i + 1], '.')) throw new Refusal('qualified names are not translated');
    const pg = this.#columnMap(tok.value);
    if (pg === undefined) throw new Refusal(`${tok.text} is not a column of this table`);
    const nullTest =
      isWord(t[i + 1], 'ISNULL', 'NOTNULL') ||
      (isWord(t[i + 1], 'IS') && isWord(t[i + 2], 'NULL')) ||
      (isWord(t[i + 1], 'IS', 'NOT') &&
        isWord(t[i + 2], 'NOT', 'NULL') &&
        (isWord(t[i + 1], 'NOT') || isWord(t[i + 3], 'NULL')));
    if (this.#typeOf?.(tok.value) === 'boolean' && !nullTest) {
      throw new Refusal(`column ${tok.value} is boolean in PostgreSQL but an integer in SQLite expressions`);
    }
    if (this.#typeOf?.(tok.value) === 'jsonb' && !nullTest) {
      throw new Refusal(
        `column ${tok.value} is jsonb in PostgreSQL, whose operators do not compare as SQLite compares its values`,
      );
    }
    return quoteIdent(pg);
  }

  #call(i: number, out: string[]): number {
    const t = this.#tokens;
    const name = t[i]!.text.toLowerCase();
    const close = closingParen(t, i + 1);
    const pg = FUNCTIONS[name];
    if (pg === undefined) throw new Refusal(`function ${t[i]!.text} has no PostgreSQL equivalent`);
    const args = splitTopLevel(t, i + 2, close);
    if (TEXT_FUNCTIONS.has(name) && args[0] !== undefined) this.#requireText(name, args[0]);
    if ((name === 'substr' || name === 'substring') && !this.#positiveLiteral(args[1])) {
      throw new Refusal(
        'substr with a start that is not a positive literal counts differently in PostgreSQL',
      );
    }
    if ((name === 'trim' || name === 'ltrim' || name === 'rtrim') && args.length > 2)
      throw new Refusal(`${name} takes at most two arguments`);
    const rendered = args.map(([a, b]) => join(this.run(a, b)));
    out.push(`${pg}(${rendered.join(', ')})`);
    return close;
  }

  #requireText(name: string, [a, b]: [number, number]): void {
    const tok = this.#tokens[a];
    if (
      b - a !== 1 ||
      tok === undefined ||
      (tok.kind !== 'word' && tok.kind !== 'quoted') ||
      this.#typeOf === undefined
    )
      return;
    const type = this.#typeOf(tok.value);
    if (type !== undefined && type !== 'text' && !(name === 'length' && type === 'bytea')) {
      throw new Refusal(
        `${name}() of a ${type} column reads its SQLite text form, which PostgreSQL does not share`,
      );
    }
  }

  #positiveLiteral(range: [number, number] | undefined): boolean {
    if (range === undefined) return false;
    const tok = this.#tokens[range[0]];
    return range[1] - range[0] === 1 && tok?.kind === 'number' && /^[1-9]\d*$/.test(tok.text);
  }

  /** LIKE → ILIKE (SQLite's LIKE ignores ASCII case); ESCAPE '' unless one is given. */
  #like(i: number, out: string[]): number {
    const t = this.#tokens;
    const pattern = t[i + 1];
    if (pattern === undefined) throw new Refusal('LIKE without a pattern');
    if (pattern.kind !== 'string')
      throw new Refusal('LIKE with a pattern that is not a string literal is not translated');
    if (/[^\x00-\x7f]/.test(pattern.value))
      throw new Refusal('LIKE with non-ASCII letters: case folding differs');
    out.push('ILIKE', pattern.text);
    if (!isWord(t[i + 2], 'ESCAPE') && pattern.value.includes('\\')) out.push("ESCAPE ''");
    return i + 1;
  }
}

/** True when the token ends an operand (so a following NOT NULL is the postfix test). */
function isOperand(tok: Token | undefined): boolean {
  if (tok === undefined) return false;
  if (tok.kind === 'word')
    return !KEYWORDS.has(tok.text.toUpperCase()) && !(tok.text.toUpperCase() in REFUSED_WORDS);
  return tok.kind !== 'operator' && !(tok.kind === 'punct' && tok.text !== ')');
}

function number(text: string): string {
  if (/^0[xX]/.test(text)) return BigInt.asIntN(64, BigInt(text)).toString();
  if (text.includes('_')) throw new Refusal(`number ${text} with digit separators`);
  return text.startsWith('.') ? '0' + text : text;
}

/** Joins rendered pieces with spaces, except inside parentheses and before commas. */
function join(pieces: readonly string[]): string {
  let out = '';
  for (const p of pieces) {
    if (out === '' || p === ')' || p === ',' || out.endsWith('(')) out += p;
    else out += ' ' + p;
  }
  return out;
}

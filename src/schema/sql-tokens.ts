/**
 * A small tokenizer for SQLite SQL, enough to take CHECK expressions, generated-column
 * expressions, index parts and partial-index WHERE clauses out of CREATE statements.
 * Whitespace and comments are dropped; every token keeps its offsets so the caller can
 * slice the original text.
 */

/** What a token is. `quoted` is an identifier in "…", […] or `…`. */
export type TokenKind = 'string' | 'quoted' | 'word' | 'number' | 'blob' | 'param' | 'operator' | 'punct';

/** One token with its position in the source text. */
export interface Token {
  readonly kind: TokenKind;
  /** The raw text as written. */
  readonly text: string;
  /** Unquoted value for strings and quoted identifiers; the raw text otherwise. */
  readonly value: string;
  readonly start: number;
  /** Offset just past the token. */
  readonly end: number;
}

const OPERATORS = ['||', '<<', '>>', '<=', '>=', '==', '!=', '<>', '->>', '->'];
const SINGLE_OPERATORS = '+-*/%<>=~&|!';
const PUNCT = '(),;.';

/** Splits SQLite SQL into tokens. Throws on an unterminated string, identifier or comment. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: TokenKind, start: number, end: number, value?: string): void => {
    const text = sql.slice(start, end);
    tokens.push({ kind, text, value: value ?? text, start, end });
  };
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2; // SQLite allows an unterminated comment at the end
    } else if ((c === 'x' || c === 'X') && sql[i + 1] === "'") {
      const end = closeQuote(sql, i + 1, "'");
      push('blob', i, end, sql.slice(i + 2, end - 1));
      i = end;
    } else if (c === "'") {
      const end = closeQuote(sql, i, "'");
      push('string', i, end, sql.slice(i + 1, end - 1).replaceAll("''", "'"));
      i = end;
    } else if (c === '"' || c === '`') {
      const end = closeQuote(sql, i, c);
      push('quoted', i, end, sql.slice(i + 1, end - 1).replaceAll(c + c, c));
      i = end;
    } else if (c === '[') {
      const close = sql.indexOf(']', i + 1);
      if (close < 0) throw new SyntaxError(`unterminated [identifier at offset ${i}`);
      push('quoted', i, close + 1, sql.slice(i + 1, close));
      i = close + 1;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const end = numberEnd(sql, i);
      push('number', i, end);
      i = end;
    } else if (c === '?' || ((c === ':' || c === '@' || c === '$') && /[\w]/.test(sql[i + 1] ?? ''))) {
      let end = i + 1;
      while (end < n && /[\w$:]/.test(sql[end]!)) end++;
      push('param', i, end);
      i = end;
    } else if (/[\p{L}_\u0080-\uffff]/u.test(c)) {
      let end = i + 1;
      while (end < n && /[\p{L}\p{N}_$\u0080-\uffff]/u.test(sql[end]!)) end++;
      push('word', i, end);
      i = end;
    } else if (PUNCT.includes(c)) {
      push('punct', i, i + 1);
      i++;
    } else {
      const op = OPERATORS.find((o) => sql.startsWith(o, i));
      if (op !== undefined) {
        push('operator', i, i + op.length);
        i += op.length;
      } else if (SINGLE_OPERATORS.includes(c)) {
        push('operator', i, i + 1);
        i++;
      } else {
        throw new SyntaxError(`unexpected character ${JSON.stringify(c)} at offset ${i}`);
      }
    }
  }
  return tokens;
}

function closeQuote(sql: string, open: number, quote: string): number {
  let i = open + 1;
  for (;;) {
    const next = sql.indexOf(quote, i);
    if (next < 0) throw new SyntaxError(`unterminated ${quote} at offset ${open}`);
    if (sql[next + 1] === quote) {
      i = next + 2;
      continue;
    }
    return next + 1;
  }
}

function numberEnd(sql: string, start: number): number {
  const hex = /^0[xX][0-9a-fA-F]+/.exec(sql.slice(start));
  if (hex) return start + hex[0].length;
  const dec = /^(\d[\d_]*)?(\.\d*)?([eE][+-]?\d+)?/.exec(sql.slice(start));
  return start + Math.max(1, dec?.[0].length ?? 1);
}

/** True when the token is the given punctuation or operator. */
export function isPunct(token: Token | undefined, text: string): boolean {
  return token !== undefined && (token.kind === 'punct' || token.kind === 'operator') && token.text === text;
}

/** True when the token is a bare word equal (case-insensitively) to one of `words`. */
export function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token !== undefined && token.kind === 'word' && words.includes(token.text.toUpperCase());
}

/** The name a word or quoted-identifier token stands for (strings too: SQLite accepts 'name' there). */
export function nameOf(token: Token | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (token.kind === 'word' || token.kind === 'quoted' || token.kind === 'string') return token.value;
  return undefined;
}

/** Index of the `)` matching the `(` at `open`. Throws when it is not balanced. */
export function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++;
    else if (isPunct(tokens[i], ')')) {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new SyntaxError('unbalanced parentheses');
}

/** Splits tokens[from, to) on commas that are not inside parentheses; returns [start, end) ranges. */
export function splitTopLevel(tokens: readonly Token[], from: number, to: number): [number, number][] {
  const parts: [number, number][] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < to; i++) {
    if (isPunct(tokens[i], '(')) depth++;
    else if (isPunct(tokens[i], ')')) depth--;
    else if (depth === 0 && isPunct(tokens[i], ',')) {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  if (start < to) parts.push([start, to]);
  return parts;
}

/** The original text covered by tokens[from, to) (comments inside kept), or '' when empty. */
export function sliceSql(sql: string, tokens: readonly Token[], from: number, to: number): string {
  if (to <= from) return '';
  return sql.slice(tokens[from]!.start, tokens[to - 1]!.end);
}

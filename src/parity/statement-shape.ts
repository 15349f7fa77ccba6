/**
 * What the comparison needs to know of a query's top level, read from SQLite's tokens: the
 * output expressions, the ORDER BY terms (and which output column each one is), LIMIT/OFFSET.
 * Parenthesised parts (subqueries, CTE bodies, function arguments) are skipped.
 */
import { isPunct, isWord, splitTopLevel, type Token, tokenize } from '../schema/sql-tokens.js';

/** One top-level ORDER BY term. */
export interface OrderTerm {
  /** The term's text, as written (without ASC/DESC/NULLS/COLLATE). */
  readonly text: string;
  /** The 0-based output column it orders by, or null when it is not one of them. */
  readonly column: number | null;
  readonly descending: boolean;
  /** An explicit NULLS FIRST / NULLS LAST. */
  readonly nullsExplicit: boolean;
}

/** The top level of a query. */
export interface StatementShape {
  /** Top-level ORDER BY terms; empty without one. */
  readonly orderBy: readonly OrderTerm[];
  /** A top-level LIMIT (or OFFSET) is present. */
  readonly limited: boolean;
  /** Output expressions of the first SELECT, as written (with their aliases). */
  readonly outputs: readonly string[];
  /** Character offsets [start, end) of the LIMIT's row count expression, or null. */
  readonly limitCount: readonly [number, number] | null;
}

/** Reads the shape of a SQLite query; null when it cannot be tokenized. */
export function statementShape(sql: string): StatementShape | null {
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch {
    return null;
  }
  const top = topLevelIndexes(tokens);
  const at = (word: string, next?: string): number[] =>
    top.filter((i) => isWord(tokens[i], word) && (next === undefined || isWord(tokens[i + 1], next)));
  const select = at('SELECT')[0];
  const outputs: string[] = [];
  if (select !== undefined) {
    const end =
      top.find(
        (i) =>
          i > select &&
          isWord(
            tokens[i],
            'FROM',
            'WHERE',
            'GROUP',
            'ORDER',
            'LIMIT',
            'UNION',
            'EXCEPT',
            'INTERSECT',
            'WINDOW',
          ),
      ) ?? tokens.length;
    const start = isWord(tokens[select + 1], 'DISTINCT', 'ALL') ? select + 2 : select + 1;
    for (const [a, b] of splitTopLevel(tokens, start, end)) outputs.push(text(sql, tokens, a, b));
  }
  const orderAt = at('ORDER', 'BY').at(-1);
  const limitAt = top.find(
    (i) => isWord(tokens[i], 'LIMIT', 'OFFSET') && (orderAt === undefined || i > orderAt),
  );
  const orderBy: OrderTerm[] = [];
  if (orderAt !== undefined && orderAt > (at('UNION').at(-1) ?? -1) + 0) {
    const end = limitAt ?? tokens.length;
    for (const [a, b] of splitTopLevel(tokens, orderAt + 2, end))
      orderBy.push(orderTerm(sql, tokens, a, b, outputs));
  }
  return { orderBy, limited: limitAt !== undefined, outputs, limitCount: limitCount(tokens, top, limitAt) };
}

/** Where the row count of `LIMIT n [OFFSET m]` or `LIMIT m, n` is. */
function limitCount(
  tokens: readonly Token[],
  top: readonly number[],
  limitAt: number | undefined,
): [number, number] | null {
  if (limitAt === undefined || !isWord(tokens[limitAt], 'LIMIT')) return null;
  const after = top.filter((i) => i > limitAt);
  const comma = after.find((i) => isPunct(tokens[i], ','));
  const offset = after.find((i) => isWord(tokens[i], 'OFFSET'));
  const [from, to] =
    comma !== undefined ? [comma + 1, tokens.length] : [limitAt + 1, offset ?? tokens.length];
  if (to <= from) return null;
  return [tokens[from]!.start, tokens[to - 1]!.end];
}

/**
 * The query with its LIMIT raised by one row: the row just past the limit tells whether the
 * limit cuts through rows that tie on ORDER BY. Null without a LIMIT row count.
 */
export function peekPastLimitSql(sql: string, shape: StatementShape): string | null {
  if (shape.limitCount === null) return null;
  const [a, b] = shape.limitCount;
  return `${sql.slice(0, a)}(${sql.slice(a, b)}) + 1${sql.slice(b)}`;
}

/** Indexes of tokens outside any parentheses. */
export function topLevelIndexes(tokens: readonly Token[]): number[] {
  const top: number[] = [];
  let depth = 0;
  tokens.forEach((t, i) => {
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (depth === 0) top.push(i);
  });
  return top;
}

function orderTerm(
  sql: string,
  tokens: readonly Token[],
  a: number,
  b: number,
  outputs: readonly string[],
): OrderTerm {
  let end = b;
  let descending = false;
  let nullsExplicit = false;
  for (let i = a; i < b; i++) {
    if (isWord(tokens[i], 'NULLS')) nullsExplicit = true;
    if (isWord(tokens[i], 'ASC', 'DESC', 'NULLS', 'COLLATE') && end === b) end = i;
    if (isWord(tokens[i], 'DESC')) descending = true;
  }
  const term = text(sql, tokens, a, end);
  return { text: term, column: outputColumn(term, outputs), descending, nullsExplicit };
}

/** Which output column a term names: its 1-based position, its alias, or the same expression. */
function outputColumn(term: string, outputs: readonly string[]): number | null {
  if (/^\d+$/.test(term)) {
    const n = Number(term) - 1;
    return n >= 0 && n < outputs.length ? n : null;
  }
  const norm = (s: string) => s.replace(/\s+/g, ' ').replace(/"/g, '').toLowerCase();
  const wanted = norm(term);
  for (let i = 0; i < outputs.length; i++) {
    const { expr, alias } = splitAlias(outputs[i]!);
    if (alias !== null && norm(alias) === wanted) return i;
    if (norm(expr) === wanted) return i;
    // `t.col` selected, ordered by `col` (or the reverse).
    const last = (s: string) => s.split('.').at(-1)!;
    if (alias === null && /^[\w."]+$/.test(expr) && last(norm(expr)) === last(wanted)) return i;
  }
  return null;
}

/** An output expression and its alias (`expr AS a`, `expr a`), alias null when none. */
export function splitAlias(output: string): { expr: string; alias: string | null } {
  const m = /^(.*?)\s+(?:AS\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*)$/is.exec(output.trim());
  if (m === null || /^(END|AND|OR|NOT|NULL)$/i.test(m[2]!) || /[+\-*/|,(]$/.test(m[1]!.trim())) {
    return { expr: output.trim(), alias: null };
  }
  return { expr: m[1]!.trim(), alias: m[2]!.replace(/^"|"$/g, '') };
}

function text(sql: string, tokens: readonly Token[], a: number, b: number): string {
  return b <= a ? '' : sql.slice(tokens[a]!.start, tokens[b - 1]!.end);
}

/**
 * PostgreSQL's form of a query with `:name` parameters as `$n`, and the names in `$n` order.
 * Strings, quoted identifiers, comments and `::` casts are left alone.
 */
export function positionalParams(sql: string): { sql: string; names: string[] } {
  const names: string[] = [];
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const skip = (end: number) => {
      out += sql.slice(i, end);
      i = end;
    };
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === c ? 2 : 1;
      skip(Math.min(sql.length, j + 1));
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      skip(nl < 0 ? sql.length : nl);
    } else if (c === ':' && sql[i + 1] === ':') {
      skip(i + 2);
    } else if (c === ':' && /[A-Za-z_]/.test(sql[i + 1] ?? '') && sql[i - 1] !== ':') {
      const m = /^[A-Za-z_]\w*/.exec(sql.slice(i + 1))!;
      let n = names.indexOf(m[0]);
      if (n < 0) n = names.push(m[0]) - 1;
      out += `$${n + 1}`;
      i += 1 + m[0].length;
    } else {
      skip(i + 1);
    }
  }
  return { sql: out, names };
}

/**
 * Hints naming the known cause of a difference, read from the SQLite query's tokens (the
 * tokenizer the schema translation uses) and from PostgreSQL's error where there is one: the
 * error alone rarely says that `"x"` was a string to SQLite or that `LIKE` ignored case.
 */
import { isPunct, isWord, splitTopLevel, type Token, tokenize } from '../schema/sql-tokens.js';
import { type StatementShape, splitAlias, topLevelIndexes } from './statement-shape.js';

/** What the query's outcome was, as far as hints care. */
export type HintStatus = 'differs' | 'fails-on-postgres' | 'fails-on-sqlite' | 'nondeterministic';

/** SQLite functions PostgreSQL lacks (or reads differently), with what to write instead. */
export const SQLITE_ONLY_FUNCTIONS: Readonly<Record<string, string>> = Object.freeze({
  ifnull: 'ifnull(a, b) → coalesce(a, b)',
  group_concat: "group_concat(x) → string_agg(x::text, ',') (add ORDER BY inside for a stable order)",
  datetime: "datetime('now') → now() (or localtimestamp); datetime(x) → x::timestamp",
  date: "date('now') → current_date; date(x) → x::date",
  time: "time('now') → localtime; time(x) → x::time",
  strftime: "strftime(fmt, x) → to_char(x, pattern) (strftime('%s', x) → extract(epoch from x))",
  julianday: 'julianday(x) → extract(epoch from x) / 86400 + 2440587.5',
  unixepoch: 'unixepoch(x) → extract(epoch from x)::bigint',
  instr: 'instr(s, t) → strpos(s, t)',
  printf: 'printf(fmt, …) → format(fmt, …) (%s only) or to_char',
  iif: 'iif(c, a, b) → CASE WHEN c THEN a ELSE b END',
  total: 'total(x) → coalesce(sum(x), 0)::double precision',
  typeof: 'typeof(x) → pg_typeof(x) (names differ: integer, text, …)',
  glob: 'x GLOB p → x LIKE p with % and _ (case-sensitive), or x ~ regex',
  hex: "hex(x) → upper(encode(x, 'hex'))",
  char: 'char(n) → chr(n)',
  randomblob: 'randomblob(n) → gen_random_bytes(n) (pgcrypto)',
  zeroblob: "zeroblob(n) → decode(repeat('00', n), 'hex')",
  json_extract: "json_extract(j, '$.a') → j ->> 'a' (or jsonb_path_query_first)",
  json_group_array: 'json_group_array(x) → json_agg(x)',
  json_group_object: 'json_group_object(k, v) → json_object_agg(k, v)',
  likelihood: 'likelihood(x, p) → x',
  likely: 'likely(x) → x',
  unlikely: 'unlikely(x) → x',
  last_insert_rowid: 'last_insert_rowid() → INSERT … RETURNING id',
  changes: 'changes() → the command tag row count',
  quote: 'quote(x) → quote_literal(x) / quote_nullable(x)',
  sqlite_version: 'sqlite_version() → version()',
});

/** Functions both engines have whose answers differ for some arguments. */
const DIFFERENT_FUNCTIONS: Readonly<Record<string, string>> = Object.freeze({
  substr:
    'substr with a negative start counts from the end in SQLite, not in PostgreSQL: use right(s, n) or substring(s from length(s) - n + 1)',
  round:
    'round(x, n) on a double: SQLite rounds half away from zero; PostgreSQL has round(numeric, int) only (round(x::numeric, n)) and rounds a double half to even',
  length: 'length(blob) counts bytes in SQLite: octet_length in PostgreSQL',
  random: 'random() is a 64-bit integer in SQLite, a double in [0, 1) in PostgreSQL',
  avg: 'avg of integers is a double in SQLite, numeric in PostgreSQL (compared with a tolerance, but printed differently)',
});

/** The hints for a query, given how it went; null when none applies. */
export function queryHints(
  sql: string,
  shape: StatementShape | null,
  status: HintStatus,
  error: string | null,
): string | null {
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch {
    return null;
  }
  const hints: string[] = [];
  const add = (h: string) => {
    if (!hints.includes(h)) hints.push(h);
  };
  const message = error ?? '';
  const missing =
    /(?:column|relation|function) "?([^"\s(]+)"?(?:\([^)]*\))? does not exist/i.exec(message)?.[1] ??
    /no such column: "?([^"\s]+)"? - should this be a string literal/i.exec(message)?.[1] ??
    null;

  // Functions: SQLite-only ones (always worth saying when PostgreSQL fails), differing ones.
  const calls = functionCalls(tokens);
  for (const { name, args } of calls) {
    const only = SQLITE_ONLY_FUNCTIONS[name];
    if (only !== undefined && (status !== 'differs' || name === 'datetime' || name === 'date')) add(only);
    if ((name === 'max' || name === 'min') && args >= 2) {
      add(
        `${name}(a, b) with several arguments is ${name === 'max' ? 'greatest' : 'least'}(a, b) in PostgreSQL`,
      );
    }
  }
  if (calls.some((c) => c.name === 'substr' && c.negativeSecond)) add(DIFFERENT_FUNCTIONS.substr!);
  if (status !== 'fails-on-sqlite') {
    for (const name of ['round', 'length', 'random', 'avg']) {
      if (calls.some((c) => c.name === name) && (status === 'differs' || message.includes(name))) {
        add(DIFFERENT_FUNCTIONS[name]!);
      }
    }
  }

  // Double-quoted strings and identifier case.
  for (const t of tokens) {
    if (t.kind === 'quoted' && t.text.startsWith('"') && missing !== null && t.value === missing) {
      add(
        `"${t.value}" is a string literal to SQLite when no column has that name; PostgreSQL reads it as a column: write '${t.value}'`,
      );
    }
    if (
      t.kind === 'word' &&
      /[A-Z]/.test(t.text) &&
      /[a-z]/.test(t.text) &&
      missing === t.text.toLowerCase()
    ) {
      add(
        `PostgreSQL folds the unquoted name ${t.text} to ${t.text.toLowerCase()}: quote it as "${t.text}" (or use the name as created)`,
      );
    }
    if (
      t.kind === 'quoted' &&
      t.text.startsWith('"') &&
      missing !== null &&
      missing.toLowerCase() === t.value.toLowerCase() &&
      missing !== t.value
    ) {
      add(
        `"${t.value}" is quoted: PostgreSQL matches quoted names by exact case (the table has ${missing.toLowerCase()})`,
      );
    }
  }

  // NOCASE collation.
  if (tokens.some((t, i) => isWord(t, 'COLLATE') && isWord(tokens[i + 1], 'NOCASE'))) {
    add(
      'COLLATE NOCASE has no PostgreSQL collation of that name: compare lower(x) (or use citext, or a nondeterministic ICU collation)',
    );
  }
  // LIKE ignores ASCII case in SQLite.
  if (status === 'differs' && tokens.some((t) => isWord(t, 'LIKE'))) {
    add(
      'LIKE ignores ASCII case in SQLite, not in PostgreSQL: use ILIKE (or lower(x) LIKE lower(p)) in the PostgreSQL form',
    );
  }
  // NULL order.
  if (
    status === 'differs' &&
    message.includes('in order') &&
    (shape?.orderBy.some((t) => !t.nullsExplicit) ?? false)
  ) {
    add(
      'ORDER BY puts NULLs first in SQLite (ascending) and last in PostgreSQL: add NULLS FIRST (ASC) / NULLS LAST (DESC) to the PostgreSQL form',
    );
  }
  // Integer division.
  if (status === 'differs' && tokens.some((t) => t.kind === 'operator' && t.text === '/')) {
    add(
      'division: SQLite divides integers as integers (7 / 2 = 3), and a NUMERIC/DECIMAL column holding 7.00 stores the integer 7; PostgreSQL numeric division gives 3.5: use div(a, b) or a cast to say which you mean',
    );
  }
  // Bare GROUP BY columns.
  const bare = bareGroupColumns(sql, tokens, shape);
  if (bare.length > 0 && (status !== 'fails-on-sqlite' || /GROUP BY/i.test(message))) {
    add(
      `${bare.join(', ')} ${bare.length > 1 ? 'are' : 'is'} neither grouped nor aggregated: SQLite takes it from some row of the group (the row of max()/min() when there is one), PostgreSQL refuses it: add it to GROUP BY, aggregate it, or use DISTINCT ON`,
    );
  }
  // Boolean compared with an integer.
  if (
    /operator does not exist: boolean [=<>!]+ integer|operator does not exist: integer [=<>!]+ boolean/i.test(
      message,
    ) ||
    (status === 'differs' && comparesWithZeroOrOne(tokens))
  ) {
    add(
      'a boolean compared with 1/0: SQLite stores booleans as 0/1; in PostgreSQL write x (or NOT x), or x = true',
    );
  }
  // LIMIT without total order.
  if (status === 'nondeterministic') {
    add(
      'add columns to ORDER BY until they identify a row (e.g. the primary key last), so LIMIT keeps the same rows on both',
    );
  }
  return hints.length === 0 ? null : hints.join('; ');
}

interface Call {
  readonly name: string;
  readonly args: number;
  readonly negativeSecond: boolean;
}

function functionCalls(tokens: readonly Token[]): Call[] {
  const calls: Call[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (tokens[i]!.kind !== 'word' || !isPunct(tokens[i + 1], '(')) continue;
    let depth = 0;
    let close = i + 1;
    for (let j = i + 1; j < tokens.length; j++) {
      if (isPunct(tokens[j], '(')) depth++;
      else if (isPunct(tokens[j], ')') && --depth === 0) {
        close = j;
        break;
      }
    }
    const parts = splitTopLevel(tokens, i + 2, close);
    const second = parts[1];
    const negativeSecond = second !== undefined && isPunct(tokens[second[0]], '-');
    calls.push({ name: tokens[i]!.text.toLowerCase(), args: parts.length, negativeSecond });
  }
  return calls;
}

const AGGREGATES =
  /\b(count|sum|avg|min|max|total|group_concat|string_agg|json_group_array|json_group_object)\s*\(/i;

/** Output columns of a grouped top-level SELECT that are neither grouped nor aggregated. */
function bareGroupColumns(sql: string, tokens: readonly Token[], shape: StatementShape | null): string[] {
  if (shape === null) return [];
  const top = topLevelIndexes(tokens);
  const group = top.find((i) => isWord(tokens[i], 'GROUP') && isWord(tokens[i + 1], 'BY'));
  if (group === undefined) return [];
  const end =
    top.find((i) => i > group && isWord(tokens[i], 'HAVING', 'ORDER', 'LIMIT', 'WINDOW', 'UNION')) ??
    tokens.length;
  const norm = (s: string) => s.replace(/\s+/g, ' ').replace(/"/g, '').toLowerCase();
  const last = (s: string) => norm(s).split('.').at(-1)!;
  const grouped = splitTopLevel(tokens, group + 2, end).map(([a, b]) =>
    sql.slice(tokens[a]!.start, tokens[b - 1]!.end),
  );
  const groupedSet = new Set(grouped.flatMap((g) => [norm(g), last(g)]));
  const bare: string[] = [];
  shape.outputs.forEach((output, i) => {
    const { expr, alias } = splitAlias(output);
    if (AGGREGATES.test(expr) || !/^[\w."]+$/.test(expr) || expr === '*' || /^\d+$/.test(expr)) return;
    if (groupedSet.has(norm(expr)) || groupedSet.has(last(expr))) return;
    if (alias !== null && groupedSet.has(norm(alias))) return;
    if (groupedSet.has(String(i + 1))) return;
    bare.push(expr);
  });
  return bare;
}

function comparesWithZeroOrOne(tokens: readonly Token[]): boolean {
  return tokens.some(
    (t, i) =>
      t.kind === 'operator' &&
      ['=', '==', '!=', '<>'].includes(t.text) &&
      (tokens[i + 1]?.text === '0' || tokens[i + 1]?.text === '1'),
  );
}

/**
 * Translates a SQLite DEFAULT clause for a PostgreSQL column type. Literals are rendered for the
 * target type (DEFAULT 0 on a boolean becomes false); the current-time keywords and their
 * `datetime('now')` spellings become UTC expressions that store what SQLite would have stored.
 */
import { renderLiteral as codecLiteral, encoderFor } from '../codec/index.js';
import type { SqlValue } from '../model/sql-value.js';
import type { PgType } from '../model/target-schema.js';
import { type ColumnMap, type ExpressionResult, type TypeOf, translateExpression } from './expression.js';
import { quoteLiteral } from './quote.js';
import { isPunct, isWord, sliceSql, type Token, tokenize } from './sql-tokens.js';

const NOW_UTC = "(now() AT TIME ZONE 'UTC')";

/** What the current-time defaults become, per target type (null: no faithful equivalent). */
const NOW_DEFAULTS: Readonly<Record<'timestamp' | 'date' | 'time', Partial<Record<PgType, string>>>> = {
  timestamp: {
    timestamp: NOW_UTC,
    timestamptz: 'now()',
    text: `to_char(${NOW_UTC}, 'YYYY-MM-DD HH24:MI:SS')`,
  },
  date: {
    date: `${NOW_UTC}::date`,
    timestamp: `${NOW_UTC}::date::timestamp`,
    timestamptz: `(${NOW_UTC}::date::timestamp AT TIME ZONE 'UTC')`,
    text: `to_char(${NOW_UTC}, 'YYYY-MM-DD')`,
  },
  time: { text: `to_char(${NOW_UTC}, 'HH24:MI:SS')` },
};

/**
 * The PostgreSQL DEFAULT for `defaultSql` (as PRAGMA table_xinfo reports it) on a column of
 * `type`, or a reason why there is none. `sql: null` means no default.
 */
export function translateDefault(
  defaultSql: string | null,
  type: PgType,
  columnMap: ColumnMap,
  typeOf?: TypeOf,
  variant = false,
): { readonly ok: true; readonly sql: string | null } | { readonly ok: false; readonly reason: string } {
  if (defaultSql === null) return { ok: true, sql: null };
  let tokens: Token[];
  try {
    tokens = tokenize(defaultSql);
  } catch (error) {
    return { ok: false, reason: `cannot read DEFAULT ${defaultSql}: ${(error as Error).message}` };
  }
  // DEFAULT (expr) is reported with its parentheses: unwrap them.
  while (
    tokens.length >= 2 &&
    isPunct(tokens[0], '(') &&
    isPunct(tokens.at(-1), ')') &&
    balancedInside(tokens)
  ) {
    tokens = tokens.slice(1, -1);
  }
  const now = nowKind(tokens);
  if (now !== null) {
    const sql = NOW_DEFAULTS[now][type];
    return sql === undefined
      ? { ok: false, reason: `DEFAULT ${defaultSql} has no faithful equivalent on a ${type} column` }
      : { ok: true, sql };
  }
  const literal = literalOf(tokens);
  if (literal !== undefined) {
    const rendered = renderLiteral(literal, type, variant);
    return rendered === undefined
      ? { ok: false, reason: `DEFAULT ${defaultSql} is not a valid ${type} value` }
      : { ok: true, sql: rendered };
  }
  const inner = sliceSql(defaultSql, tokens, 0, tokens.length);
  const expr: ExpressionResult = translateExpression(inner, columnMap, typeOf, { defaultOf: type });
  if (!expr.ok) return { ok: false, reason: `DEFAULT ${defaultSql}: ${expr.reason}` };
  return { ok: true, sql: `(${expr.sql})` };
}

function balancedInside(tokens: readonly Token[]): boolean {
  let depth = 0;
  for (let i = 1; i < tokens.length - 1; i++) {
    if (isPunct(tokens[i], '(')) depth++;
    else if (isPunct(tokens[i], ')') && --depth < 0) return false;
  }
  return depth === 0;
}

/** CURRENT_TIMESTAMP / datetime('now') → 'timestamp'; CURRENT_DATE / date('now') → 'date'; … */
function nowKind(tokens: readonly Token[]): 'timestamp' | 'date' | 'time' | null {
  if (tokens.length === 1) {
    if (isWord(tokens[0], 'CURRENT_TIMESTAMP')) return 'timestamp';
    if (isWord(tokens[0], 'CURRENT_DATE')) return 'date';
    if (isWord(tokens[0], 'CURRENT_TIME')) return 'time';
  }
  if (
    tokens.length === 4 &&
    isPunct(tokens[1], '(') &&
    tokens[2]?.kind === 'string' &&
    tokens[2].value.toLowerCase() === 'now' &&
    isPunct(tokens[3], ')')
  ) {
    if (isWord(tokens[0], 'DATETIME')) return 'timestamp';
    if (isWord(tokens[0], 'DATE')) return 'date';
    if (isWord(tokens[0], 'TIME')) return 'time';
  }
  return null;
}

/** A literal SQLite value as written in a DEFAULT clause. */
export type DefaultLiteral =
  | { readonly kind: 'null' }
  | { readonly kind: 'integer'; readonly value: bigint }
  | { readonly kind: 'real'; readonly value: number; readonly text: string }
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'blob'; readonly hex: string };

/** Reads a literal (NULL, TRUE/FALSE, a signed number, a string, a blob), or undefined. */
export function literalOf(tokens: readonly Token[]): DefaultLiteral | undefined {
  if (tokens.length === 1) {
    const t = tokens[0]!;
    if (isWord(t, 'NULL')) return { kind: 'null' };
    if (isWord(t, 'TRUE')) return { kind: 'integer', value: 1n };
    if (isWord(t, 'FALSE')) return { kind: 'integer', value: 0n };
    if (t.kind === 'string') return { kind: 'text', value: t.value };
    if (t.kind === 'blob')
      return /^([0-9a-fA-F]{2})*$/.test(t.value) ? { kind: 'blob', hex: t.value.toLowerCase() } : undefined;
  }
  const signed = tokens.length === 2 && (isPunct(tokens[0], '-') || isPunct(tokens[0], '+'));
  const num = tokens.length === 1 ? tokens[0] : signed ? tokens[1] : undefined;
  if (num?.kind !== 'number' || num.text.includes('_')) return undefined;
  const negative = signed && isPunct(tokens[0], '-');
  if (/^0[xX]/.test(num.text)) {
    const v = BigInt.asIntN(64, BigInt(num.text));
    return { kind: 'integer', value: negative ? -v : v };
  }
  if (/^\d+$/.test(num.text)) {
    const v = BigInt(num.text) * (negative ? -1n : 1n);
    if (v >= -(2n ** 63n) && v < 2n ** 63n) return { kind: 'integer', value: v };
  }
  const value = Number(num.text) * (negative ? -1 : 1);
  return Number.isFinite(value) ? { kind: 'real', value, text: (negative ? '-' : '') + num.text } : undefined;
}

/**
 * Renders a literal as a PostgreSQL constant of `type` through the codec (the one place that
 * decides how a SQLite value becomes a PostgreSQL value); undefined when the codec refuses it.
 * A REAL default of a text column keeps SQLite's own text form (2.0 → '2.0').
 */
export function renderLiteral(lit: DefaultLiteral, type: PgType, variant = false): string | undefined {
  if (lit.kind === 'null') return 'NULL';
  if (lit.kind === 'real' && type === 'text') {
    const text = realText(lit.value);
    return text === undefined ? undefined : quoteLiteral(text);
  }
  const value: SqlValue =
    lit.kind === 'blob' ? Buffer.from(lit.hex, 'hex') : lit.kind === 'integer' ? lit.value : lit.value;
  try {
    const encoded = encoderFor({ name: 'DEFAULT', type, variant })(value);
    return encoded === null ? 'NULL' : codecLiteral(encoded, type);
  } catch {
    return undefined;
  }
}

/** SQLite's text form of a REAL stored in a TEXT column (1.5 → '1.5', 2.0 → '2.0'); undefined when unsure. */
function realText(value: number): string | undefined {
  const s = String(value);
  if (/e/i.test(s) || s.replace(/[-.]/g, '').replace(/^0+/, '').length > 15) return undefined;
  return s.includes('.') ? s : s + '.0';
}

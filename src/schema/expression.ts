/**
 * Translates a SQLite expression (CHECK, index part, partial-index WHERE, DEFAULT) to PostgreSQL
 * with SQLite's meaning. Three passes: `expression-parser.ts` parses it; `expression-inference.ts`
 * gives every node the shape its value has in PostgreSQL (a BOOLEAN column is `boolean` there
 * but the integer 0/1 in SQLite, where a comparison also yields 0/1); `expression-render.ts` then
 * converts where the two differ: a boolean used as a number becomes `b::int`, a number used as a
 * condition becomes `n <> 0`, and a boolean compared with numeric literals becomes the test of
 * the values 0/1 that satisfy it (`flag = 1` → `flag`, `flag = 2` → never true, NULL kept NULL).
 * It is a whitelist: anything whose meaning could differ is refused with a reason, never
 * guessed at. The caller reports the refusal and leaves the object out.
 */
import type { PgType } from '../model/target-schema.js';
import { parseExpression, UnsupportedExpression } from './expression-parser.js';
import { Refusal } from './expression-refusal.js';
import { Translation } from './expression-render.js';
import { SHAPE_WORDS } from './expression-shapes.js';
import type { Expr } from './expression-tree.js';

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

/**
 * A SQLite expression as a typed tree: the node kinds `expression-parser.ts` builds and the
 * translation (`expression.ts`) walks.
 */

/** A literal as written: `text` is the raw token (for numbers) or the unquoted value. */
export interface LiteralExpr {
  readonly kind: 'literal';
  readonly type: 'integer' | 'real' | 'text' | 'blob' | 'null';
  readonly text: string;
}

/** A name: a column, or (bare, unquoted) a keyword such as TRUE or CURRENT_DATE when no column has it. */
export interface NameExpr {
  readonly kind: 'name';
  /** The name without quotes. */
  readonly name: string;
  /** The name as written. */
  readonly text: string;
  /** True when written without quotes (so TRUE / FALSE may be the keywords). */
  readonly bare: boolean;
}

/** One node of a SQLite expression. */
export type Expr =
  | LiteralExpr
  | NameExpr
  | { readonly kind: 'paren'; readonly expr: Expr }
  | { readonly kind: 'unary'; readonly op: 'NOT' | '-' | '+' | '~'; readonly expr: Expr }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'null-test'; readonly not: boolean; readonly expr: Expr }
  | { readonly kind: 'in'; readonly not: boolean; readonly expr: Expr; readonly list: readonly Expr[] }
  | {
      readonly kind: 'between';
      readonly not: boolean;
      readonly expr: Expr;
      readonly low: Expr;
      readonly high: Expr;
    }
  | {
      readonly kind: 'like';
      readonly not: boolean;
      readonly expr: Expr;
      readonly pattern: Expr;
      readonly escape: Expr | null;
    }
  | { readonly kind: 'call'; readonly name: string; readonly text: string; readonly args: readonly Expr[] }
  | {
      readonly kind: 'case';
      readonly base: Expr | null;
      readonly whens: readonly { readonly when: Expr; readonly result: Expr }[];
      readonly otherwise: Expr | null;
    }
  | { readonly kind: 'collate'; readonly expr: Expr; readonly collation: string };

/** Binary operators; `IS` / `IS NOT` are SQLite's NULL-safe equality and inequality. */
export type BinaryOp =
  | 'OR'
  | 'AND'
  | '='
  | '!='
  | '<>'
  | 'IS'
  | 'IS NOT'
  | '<'
  | '<='
  | '>'
  | '>='
  | '&'
  | '|'
  | '<<'
  | '>>'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '||';

/** The expression inside any number of parentheses. */
export function unwrap(expr: Expr): Expr {
  let e = expr;
  while (e.kind === 'paren') e = e.expr;
  return e;
}

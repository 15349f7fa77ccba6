/** Why an expression is not translated: the refusal and how it names an operand. */
import { quote } from './expression-sql.js';
import { type Expr, unwrap } from './expression-tree.js';

/** A translation refused: its message is the reason reported to the operator. */
export class Refusal extends Error {}

/** How a refusal names an operand: `column flag`, or `an expression`. */
export function describe(e: Expr): string {
  const u = unwrap(e);
  if (u.kind === 'name') return `column ${u.name}`;
  if (u.kind === 'literal') return `the ${u.type} ${u.type === 'text' ? quote(u.text) : u.text}`;
  return 'an expression';
}

/**
 * The foreign keys the snapshot created NOT VALID, validated at cutover. Validation takes only a
 * SHARE UPDATE EXCLUSIVE lock (writers go on) and a NOT VALID key already checks every new row,
 * so it runs before the fence, keeping the fence short. A key that existing rows break stays
 * NOT VALID and its dangling rows are reported: cutover goes on (SQLite held them too).
 */
import { fromPgError } from '../errors.js';
import type { TargetTable } from '../model/target-schema.js';
import { countDanglingRows, type DanglingForeignKey } from '../pg/dangling-rows.js';
import type { PgPool } from '../pg/pool.js';
import { qualified } from '../schema/ddl.js';
import { quoteIdent } from '../schema/quote.js';

/** What validation did. */
export interface ForeignKeyReport {
  /** Constraints validated now. */
  readonly validated: readonly string[];
  /** Constraints that stay NOT VALID, with their dangling rows. */
  readonly dangling: readonly DanglingForeignKey[];
}

/** Validates every NOT VALID foreign key of `tables`; reports (never throws for) dangling rows. */
export async function validateForeignKeys(
  pool: PgPool,
  tables: Iterable<TargetTable>,
): Promise<ForeignKeyReport> {
  const validated: string[] = [];
  const dangling: DanglingForeignKey[] = [];
  for (const table of tables) {
    const name = qualified(table.schema, table.name);
    let pending: string[];
    try {
      const result = await pool.query<{ conname: string }>(
        `SELECT conname FROM pg_constraint
          WHERE contype = 'f' AND NOT convalidated AND conrelid = to_regclass($1) ORDER BY conname`,
        [name],
      );
      pending = result.rows.map((r) => r.conname);
    } catch (error) {
      throw fromPgError(error, `cannot list the foreign keys of ${table.schema}.${table.name}`);
    }
    for (const constraint of pending) {
      try {
        await pool.query(`ALTER TABLE ${name} VALIDATE CONSTRAINT ${quoteIdent(constraint)}`);
        validated.push(constraint);
      } catch (error) {
        if ((error as { code?: string }).code !== '23503') {
          throw fromPgError(
            error,
            `cannot validate foreign key ${constraint} on ${table.schema}.${table.name}`,
          );
        }
        const fk = table.foreignKeys.find((f) => f.name === constraint);
        dangling.push(
          fk === undefined
            ? { table: table.source, constraint, references: '?', rows: -1, sample: [] }
            : await countDanglingRows(pool, table, fk),
        );
      }
    }
  }
  return { validated, dangling };
}

/**
 * The foreign keys the snapshot created NOT VALID, validated at cutover. Validation takes only a
 * SHARE UPDATE EXCLUSIVE lock (writers go on) and a NOT VALID key already checks every new row,
 * so it runs before the fence, keeping the fence short. A key that existing rows break stays
 * NOT VALID and its dangling rows are reported: cutover goes on (SQLite held them too).
 */
import { fromPgError } from '../errors.js';
import type { TargetForeignKey, TargetTable } from '../model/target-schema.js';
import type { PgPool } from '../pg/pool.js';
import { danglingForeignKeySql, qualified, quoteIdent } from '../schema/ddl.js';

/** A foreign key left NOT VALID because rows point at no parent. */
export interface DanglingKey {
  readonly table: string;
  readonly constraint: string;
  readonly references: string;
  readonly rows: number;
  /** Up to 10 child keys (the foreign key's column values). */
  readonly sample: readonly unknown[];
}

/** What validation did. */
export interface ForeignKeyReport {
  /** Constraints validated now. */
  readonly validated: readonly string[];
  /** Constraints that stay NOT VALID, with their dangling rows. */
  readonly dangling: readonly DanglingKey[];
}

/** Validates every NOT VALID foreign key of `tables`; reports (never throws for) dangling rows. */
export async function validateForeignKeys(
  pool: PgPool,
  tables: Iterable<TargetTable>,
): Promise<ForeignKeyReport> {
  const validated: string[] = [];
  const dangling: DanglingKey[] = [];
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
        dangling.push(await countDangling(pool, table, constraint, fk));
      }
    }
  }
  return { validated, dangling };
}

async function countDangling(
  pool: PgPool,
  table: TargetTable,
  constraint: string,
  fk: TargetForeignKey | undefined,
): Promise<DanglingKey> {
  if (fk === undefined) {
    return { table: table.source, constraint, references: '?', rows: -1, sample: [] };
  }
  try {
    const result = await pool.query(danglingForeignKeySql(table, fk));
    const row = result.rows[0] as { count: string | number; samples: unknown[] | null } | undefined;
    return {
      table: table.source,
      constraint,
      references: fk.referencedTable,
      rows: Number(row?.count ?? 0),
      sample: row?.samples ?? [],
    };
  } catch (error) {
    throw fromPgError(error, `cannot count the dangling rows of foreign key ${constraint}`);
  }
}

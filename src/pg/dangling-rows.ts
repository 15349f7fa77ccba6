import { fromPgError } from '../errors.js';
import type { TargetForeignKey, TargetTable } from '../model/target-schema.js';
import { danglingForeignKeySql } from '../schema/ddl.js';
import type { PgPool } from './pool.js';

/** A foreign key whose child rows point at no parent (left NOT VALID and reported to the operator). */
export interface DanglingForeignKey {
  readonly table: string;
  readonly constraint: string;
  readonly references: string;
  readonly rows: number;
  /** Up to 10 child keys (the foreign key's column values). */
  readonly sample: readonly unknown[];
}

/** Counts the rows of `table` whose `fk` columns point at no parent, with up to 10 of their keys. */
export async function countDanglingRows(
  pool: PgPool,
  table: TargetTable,
  fk: TargetForeignKey,
): Promise<DanglingForeignKey> {
  try {
    const result = await pool.query(danglingForeignKeySql(table, fk));
    const row = result.rows[0] as { count: string | number; samples: unknown[] | null } | undefined;
    return {
      table: table.source,
      constraint: fk.name,
      references: fk.referencedTable,
      rows: Number(row?.count ?? 0),
      sample: row?.samples ?? [],
    };
  } catch (error) {
    throw fromPgError(error, `cannot count the dangling rows of foreign key ${fk.name} on "${table.name}"`);
  }
}

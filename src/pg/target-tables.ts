import { fromPgError } from '../errors.js';
import type { TargetTable } from '../model/target-schema.js';
import { qualified } from '../schema/ddl.js';
import type { PgPool } from './pool.js';

/** A target table that already exists in PostgreSQL, and whether it holds any row. */
export interface ExistingTable {
  readonly table: TargetTable;
  readonly hasRows: boolean;
}

/** The target tables that already exist, each with whether it holds rows. */
export async function existingTables(pool: PgPool, tables: readonly TargetTable[]): Promise<ExistingTable[]> {
  const found: ExistingTable[] = [];
  for (const table of tables) {
    try {
      const name = qualified(table.schema, table.name);
      if (!(await relationExists(pool, table.schema, table.name))) continue;
      const rows = await pool.query(`SELECT EXISTS (SELECT 1 FROM ${name}) AS any`);
      found.push({ table, hasRows: rows.rows[0].any === true });
    } catch (error) {
      throw fromPgError(error, `cannot inspect target table ${table.schema}.${table.name}`);
    }
  }
  return found;
}

/** The column names PostgreSQL has for `table`, or null when the table does not exist. */
export async function targetColumnNames(pool: PgPool, table: TargetTable): Promise<Set<string> | null> {
  try {
    const result = await pool.query<{ name: string }>(
      `SELECT a.attname AS name FROM pg_attribute a
        WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
      [qualified(table.schema, table.name)],
    );
    if (result.rows.length === 0 && !(await relationExists(pool, table.schema, table.name))) return null;
    return new Set(result.rows.map((r) => r.name));
  } catch (error) {
    throw fromPgError(error, `cannot read the columns of ${table.schema}.${table.name}`);
  }
}

/** Whether a table, index or sequence named `name` exists in PostgreSQL schema `schema`. */
export async function relationExists(pool: PgPool, schema: string, name: string): Promise<boolean> {
  try {
    const r = await pool.query('SELECT to_regclass($1) IS NOT NULL AS present', [qualified(schema, name)]);
    return r.rows[0].present === true;
  } catch (error) {
    throw fromPgError(error, `cannot look up ${schema}.${name}`);
  }
}

/**
 * The schema half of a drift check: whether PostgreSQL has the table and exactly the columns
 * SQLite's table is replicated as. A table that differs cannot have its rows compared (the
 * checksum would name a column PostgreSQL lacks); the difference itself is the finding.
 */

import type { PgPool } from '../pg/pool.js';
import { targetColumnNames } from '../pg/target-tables.js';
import type { ReplicatedTable } from '../schema/replicated.js';

/**
 * How PostgreSQL's table differs from what SQLite's `table` is replicated as, one line per
 * table or column as the operator reads it (empty when they agree). A column SQLite gained that
 * sync has not followed yet, or one PostgreSQL has that SQLite dropped, shows here.
 */
export async function schemaDifferences(pool: PgPool, table: ReplicatedTable): Promise<string[]> {
  const { source, target } = table;
  const present = await targetColumnNames(pool, target);
  if (present === null) {
    return [`table "${source.name}" is missing in PostgreSQL (${target.schema}.${target.name})`];
  }
  const wanted = new Set(target.columns.map((c) => c.name));
  return [
    ...target.columns
      .filter((c) => !present.has(c.name))
      .map((c) => `column "${source.name}"."${c.source.name}" is missing in PostgreSQL`),
    ...[...present]
      .filter((name) => !wanted.has(name))
      .map((name) => `column "${target.name}"."${name}" is in PostgreSQL but not in SQLite`),
  ];
}

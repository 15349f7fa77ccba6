/**
 * setval at the switch: every identity column's sequence is moved past the column's max (and
 * past SQLite's AUTOINCREMENT high-water mark), so the application's first insert with a default
 * id on PostgreSQL gets a fresh one. Sync copies ids explicitly and never advances sequences.
 */
import { fromPgError } from '../errors.js';
import type { TargetTable } from '../model/target-schema.js';
import type { PgClient } from '../pg/pool.js';
import { identityResetSql } from '../schema/ddl.js';
import type { SqliteDatabase } from '../sqlite/open.js';
import { autoincrementHighWater } from '../sqlite/snapshot-read.js';

/** One sequence as the switch left it. */
export interface SequenceReset {
  readonly table: string;
  readonly column: string;
  /** The value setval stored (nextval returns the next one; 1 on an empty table). */
  readonly value: string;
}

/** Runs setval for every identity column of `tables` on `client` (the lock session). */
export async function resetSequences(
  client: PgClient,
  db: SqliteDatabase,
  tables: Iterable<TargetTable>,
): Promise<SequenceReset[]> {
  const highWater = autoincrementHighWater(db);
  const out: SequenceReset[] = [];
  for (const table of tables) {
    const sql = identityResetSql(table);
    if (sql === null || table.identityColumn === null) continue;
    const floor = table.autoincrement ? (highWater.get(table.source) ?? null) : null;
    try {
      const result = await client.query<{ setval: string }>(sql, [floor === null ? null : floor.toString()]);
      out.push({
        table: table.source,
        column: table.identityColumn,
        value: String(result.rows[0]?.setval ?? ''),
      });
    } catch (error) {
      throw fromPgError(
        error,
        `cannot set the sequence of "${table.name}"."${table.identityColumn}" past its max`,
      );
    }
  }
  return out;
}

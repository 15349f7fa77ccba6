import { BridgeError, fromPgError } from '../errors.js';
import type { SchemaNote, TargetTable } from '../model/target-schema.js';
import { identityResetSql, postDataSql, qualified } from '../schema/ddl.js';
import type { PgPool } from './pool.js';

/** Runs `fn` over `items` with at most `parallel` in flight; results in completion order. */
export async function parallelMap<T, R>(
  items: readonly T[],
  parallel: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    // After a failure no new item starts (those in flight finish); the first error is thrown.
    while (next < items.length && !failed) {
      const item = items[next++] as T;
      try {
        results.push(await fn(item));
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, parallel), items.length) }, worker));
  return results;
}

/**
 * One table's keys, run as soon as its copy ends so they overlap the copy of the other tables:
 * the primary key's unique index and every other index built in parallel over the pool, then
 * the primary key attached to its index, then the checks, then the identity set past the
 * column's max (and past `autoincrementFloor`, SQLite's sqlite_sequence value), then ANALYZE.
 * A primary key that cannot be built stops the snapshot; an index or check PostgreSQL refuses
 * becomes a warning note, and a CHECK the existing rows break is created NOT VALID.
 */
export async function buildTableKeys(
  pool: PgPool,
  table: TargetTable,
  parallel: number,
  autoincrementFloor: bigint | undefined,
): Promise<SchemaNote[]> {
  const notes: SchemaNote[] = [];
  const ddl = postDataSql(table);
  const keyFailed = (error: unknown, sql: string): BridgeError =>
    new BridgeError('DATA', `cannot create the primary key of "${table.name}": ${(error as Error).message}`, {
      cause: error,
      details: { table: table.source, sql },
      hint: 'SQLite allows NULLs and duplicates in some primary keys: run `litebridge plan` to see the census',
    });
  const builds = [
    ...ddl.primaryKeyIndex.map((sql) => ({ sql, key: true })),
    ...ddl.indexes.map((sql) => ({ sql, key: false })),
  ];
  await parallelMap(builds, parallel, async ({ sql, key }) => {
    try {
      await pool.query(sql);
    } catch (error) {
      if (key) throw keyFailed(error, sql);
      notes.push({
        level: 'warning',
        table: table.source,
        message: `index not created (${(error as Error).message}): ${sql}`,
      });
    }
  });
  for (const sql of ddl.primaryKey) {
    try {
      await pool.query(sql);
    } catch (error) {
      throw keyFailed(error, sql);
    }
  }
  for (const sql of ddl.checks) {
    try {
      await pool.query(sql);
    } catch (error) {
      if ((error as { code?: string }).code === '23514') {
        await pool.query(`${sql} NOT VALID`);
        notes.push({
          level: 'warning',
          table: table.source,
          message: `existing rows violate a CHECK, created NOT VALID: ${sql}`,
        });
      } else {
        notes.push({
          level: 'warning',
          table: table.source,
          message: `check not created (${(error as Error).message}): ${sql}`,
        });
      }
    }
  }
  const identity = identityResetSql(table);
  if (identity !== null) {
    try {
      await pool.query(identity, [autoincrementFloor === undefined ? null : autoincrementFloor.toString()]);
    } catch (error) {
      throw fromPgError(
        error,
        `cannot set the sequence of "${table.name}"."${table.identityColumn}" past its max`,
      );
    }
  }
  await pool.query(`ANALYZE ${qualified(table.schema, table.name)}`);
  return notes;
}

import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { BridgeError, fromPgError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { SchemaNote, TargetTable } from '../model/target-schema.js';
import type { PgPool } from '../pg/pool.js';
import { danglingForeignKeySql, identityResetSql, postDataSql, qualified } from '../schema/ddl.js';

/** A foreign key whose child rows point at no parent (created NOT VALID, left for the operator). */
export interface DanglingForeignKey {
  readonly table: string;
  readonly constraint: string;
  readonly references: string;
  readonly rows: number;
  readonly sample: readonly unknown[];
}

/** Runs `fn` over `items` with at most `parallel` in flight; results in completion order. */
export async function parallelMap<T, R>(
  items: readonly T[],
  parallel: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  if (items.length === 0) return [];
  return lastValueFrom(
    from(items).pipe(
      mergeMap((item) => fn(item), parallel),
      toArray(),
    ),
  );
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

export interface CrossTableResult {
  readonly notes: readonly SchemaNote[];
  readonly dangling: readonly DanglingForeignKey[];
}

/**
 * What needs every table's key in place: foreign keys (NOT VALID, so rows without a parent are
 * counted and reported rather than refused).
 */
export async function buildCrossTable(
  pool: PgPool,
  tables: readonly TargetTable[],
  parallel: number,
  log: Logger,
  rowsByTable: ReadonlyMap<string, number> = new Map(),
): Promise<CrossTableResult> {
  const notes: SchemaNote[] = [];
  for (const table of tables) {
    for (const sql of postDataSql(table).foreignKeys) {
      try {
        await pool.query(sql);
      } catch (error) {
        notes.push({
          level: 'warning',
          table: table.source,
          message: `foreign key not created (${(error as Error).message}): ${sql}`,
        });
      }
    }
  }

  // Largest child tables first: the longest counts start at once and the short ones fill in.
  const fks = tables
    .flatMap((table) => table.foreignKeys.map((fk) => ({ table, fk })))
    .sort((a, b) => (rowsByTable.get(b.table.name) ?? 0) - (rowsByTable.get(a.table.name) ?? 0));
  const counted = await parallelMap(fks, parallel, async ({ table, fk }) => {
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
      throw fromPgError(error, `cannot count dangling rows of foreign key ${fk.name} on "${table.name}"`);
    }
  });
  const dangling = counted.filter((d) => d.rows > 0).sort((a, b) => a.constraint.localeCompare(b.constraint));
  for (const d of dangling) log.warn(d, 'foreign key has rows without a parent: created NOT VALID');

  return { notes, dangling };
}

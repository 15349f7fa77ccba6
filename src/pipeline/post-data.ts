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

export interface PostDataResult {
  readonly notes: readonly SchemaNote[];
  readonly dangling: readonly DanglingForeignKey[];
}

/** Runs `fn` over `items` with at most `parallel` in flight; results in completion order. */
async function parallelMap<T, R>(
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
 * Everything that comes after the data: primary keys, then indexes and checks (in parallel
 * over the pool), then foreign keys NOT VALID with a count of dangling rows, then identities
 * set past their column's max (and past sqlite_sequence for AUTOINCREMENT), then ANALYZE.
 * A primary key that cannot be built stops the snapshot; an index, check or foreign key that
 * PostgreSQL refuses becomes a warning note.
 */
export async function buildPostData(
  pool: PgPool,
  tables: readonly TargetTable[],
  sqliteSequence: ReadonlyMap<string, bigint>,
  parallel: number,
  log: Logger,
): Promise<PostDataResult> {
  const notes: SchemaNote[] = [];
  const ddl = new Map(tables.map((t) => [t, postDataSql(t)]));

  await parallelMap(tables, parallel, async (table) => {
    for (const sql of ddl.get(table)!.primaryKey) {
      try {
        await pool.query(sql);
      } catch (error) {
        throw new BridgeError(
          'DATA',
          `cannot create the primary key of "${table.name}": ${(error as Error).message}`,
          {
            cause: error,
            details: { table: table.source, sql },
            hint: 'SQLite allows NULLs and duplicates in some primary keys: run `litebridge plan` to see the census',
          },
        );
      }
    }
  });

  const optional = tables.flatMap((t) => [
    ...ddl.get(t)!.indexes.map((sql) => ({ table: t, sql, kind: 'index' as const })),
    ...ddl.get(t)!.checks.map((sql) => ({ table: t, sql, kind: 'check' as const })),
  ]);
  await parallelMap(optional, parallel, async ({ table, sql, kind }) => {
    try {
      await pool.query(sql);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (kind === 'check' && code === '23514') {
        await pool.query(`${sql} NOT VALID`);
        notes.push({
          level: 'warning',
          table: table.source,
          message: `existing rows violate a CHECK, created NOT VALID: ${sql}`,
        });
        return;
      }
      notes.push({
        level: 'warning',
        table: table.source,
        message: `${kind} not created (${(error as Error).message}): ${sql}`,
      });
    }
  });

  for (const table of tables) {
    for (const sql of ddl.get(table)!.foreignKeys) {
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

  const dangling: DanglingForeignKey[] = [];
  for (const table of tables) {
    for (const fk of table.foreignKeys) {
      try {
        const result = await pool.query(danglingForeignKeySql(table, fk));
        const row = result.rows[0] as { count: string | number; samples: unknown[] | null } | undefined;
        const rows = Number(row?.count ?? 0);
        if (rows > 0) {
          dangling.push({
            table: table.source,
            constraint: fk.name,
            references: fk.referencedTable,
            rows,
            sample: row?.samples ?? [],
          });
        }
      } catch (error) {
        throw fromPgError(error, `cannot count dangling rows of foreign key ${fk.name} on "${table.name}"`);
      }
    }
  }
  for (const d of dangling) {
    log.warn(d, 'foreign key has rows without a parent: created NOT VALID');
  }

  for (const table of tables) {
    const sql = identityResetSql(table);
    if (sql === null) continue;
    const floor = sqliteSequence.get(table.source);
    try {
      await pool.query(sql, [floor === undefined ? null : floor.toString()]);
    } catch (error) {
      throw fromPgError(
        error,
        `cannot set the sequence of "${table.name}"."${table.identityColumn}" past its max`,
      );
    }
  }

  await parallelMap(tables, parallel, async (table) => {
    await pool.query(`ANALYZE ${qualified(table.schema, table.name)}`);
  });
  return { notes, dangling };
}

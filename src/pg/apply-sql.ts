/**
 * Pure SQL builders for applying one batch of row changes to one target table. Every value
 * travels as a parameter: one array parameter per column, expanded with `unnest`, so a batch of
 * any size stays far below the protocol's 65,535 parameters and each statement can be prepared
 * once per session and reused.
 */

import { createHash } from 'node:crypto';
import { BridgeError } from '../errors.js';
import type { KeyCollation, TargetColumn, TargetIndexColumn, TargetTable } from '../model/target-schema.js';
import { qualified } from '../schema/ddl.js';
import { folds, keyFoldIndex, pgEquals, targetKeyCollations } from '../schema/key-collation.js';
import { keyColumnIndexes } from '../schema/key-columns.js';
import { quoteIdent } from '../schema/quote.js';

/**
 * One statement and what its parameters are: parameter `$i` is the text array of target column
 * `columns[i-1]` (an index into `table.columns`), one element per row.
 */
export interface ApplyStatement {
  /** Prepared-statement name: stable for the same text, so each session prepares it once. */
  readonly name: string;
  readonly text: string;
  readonly columns: readonly number[];
}

/** A secondary UNIQUE index and the statement removing rows an incoming row collides with. */
export interface CollisionDelete {
  readonly index: string;
  readonly statement: ApplyStatement;
}

/** Everything `applyBatch` runs against one table. */
export interface TableApplySql {
  /** Indexes into `table.columns` of the SQLite key, in key order (the order of `RowChange.key`). */
  readonly keyColumns: readonly number[];
  /** Deletes the rows whose key is in the arrays; parameters are the key columns, in key order. */
  readonly deleteByKeys: ApplyStatement;
  /** One per checkable UNIQUE index: rows sharing an incoming row's values under another key. */
  readonly collisions: readonly CollisionDelete[];
  /** UNIQUE indexes that are not checked for collisions (expressions or partial), with why. */
  readonly uncheckedIndexes: readonly { readonly index: string; readonly reason: string }[];
  /**
   * Inserts every column. Upsert on the primary key, or (when `deleteFirst`) a plain INSERT that
   * must follow `deleteByKeys` for the incoming keys.
   */
  readonly insert: ApplyStatement;
  /** Partitioned table: ON CONFLICT cannot move a row between partitions, so delete then insert. */
  readonly deleteFirst: boolean;
}

/** `"col"` or `"col" DESC`: an index part that is a plain column; returns the column name. */
function plainColumn(part: string): string | null {
  const m = /^("(?:[^"]|"")*")(?: DESC)?$/.exec(part);
  return m === null ? null : m[1]!.slice(1, -1).replaceAll('""', '"');
}

function statement(text: string, columns: readonly number[]): ApplyStatement {
  const name = `lb_apply_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  return { name, text, columns };
}

function unnest(table: TargetTable, columns: readonly number[], alias: string): string {
  const arrays = columns.map((c, i) => `$${i + 1}::${columnAt(table, c).type}[]`);
  const names = columns.map((_c, i) => `c${i}`);
  return `unnest(${arrays.join(', ')}) AS ${alias}(${names.join(', ')})`;
}

function columnAt(table: TargetTable, index: number): TargetColumn {
  const column = table.columns[index];
  if (column === undefined) throw new BridgeError('INTERNAL', `no column ${index} in "${table.source}"`);
  return column;
}

/**
 * `DELETE FROM t USING unnest($1::type[], …) AS k(c0, …) WHERE t."a" = k.c0 AND …`, each key
 * column compared as SQLite compares it (`collations`, key order; NOCASE / RTRIM on the folded
 * values, through the unique index on them).
 */
export function deleteByKeysSql(
  table: TargetTable,
  keys: readonly number[],
  collations: readonly KeyCollation[] = [],
): ApplyStatement {
  const where = keys
    .map((c, i) => pgEquals(`t.${quoteIdent(columnAt(table, c).name)}`, `k.c${i}`, collations[i] ?? 'binary'))
    .join(' AND ');
  return statement(
    `DELETE FROM ${qualified(table.schema, table.name)} AS t USING ${unnest(table, keys, 'k')} WHERE ${where}`,
    keys,
  );
}

/**
 * Deletes the PostgreSQL rows whose `unique` columns equal an incoming row's while their key is
 * not that row's key: the rows SQLite's REPLACE removed without firing a delete trigger.
 * NULLs never collide (`=` is not true for them), as in a UNIQUE index. Values and keys compare
 * as SQLite compares them (`collations`, BINARY when absent).
 */
export function collisionDeleteSql(
  table: TargetTable,
  unique: readonly number[],
  keys: readonly number[],
  collations: {
    /** How the unique index compares each of `unique`. */
    readonly unique?: readonly KeyCollation[];
    /** How the key compares each of `keys`. */
    readonly keys?: readonly KeyCollation[];
  } = {},
): ApplyStatement {
  const columns = [...unique, ...keys.filter((k) => !unique.includes(k))];
  const ref = (c: number): string => `n.c${columns.indexOf(c)}`;
  const col = (c: number): string => `t.${quoteIdent(columnAt(table, c).name)}`;
  const same = unique
    .map((c, i) => pgEquals(col(c), ref(c), collations.unique?.[i] ?? 'binary'))
    .join(' AND ');
  const sameKey = keys
    .map((c, i) => pgEquals(col(c), ref(c), collations.keys?.[i] ?? 'binary'))
    .join(' AND ');
  return statement(
    `DELETE FROM ${qualified(table.schema, table.name)} AS t USING ${unnest(table, columns, 'n')} ` +
      `WHERE ${same} AND NOT (${sameKey})`,
    columns,
  );
}

/**
 * `INSERT INTO t (cols) SELECT * FROM unnest(…) ON CONFLICT (pk) DO UPDATE SET c = EXCLUDED.c, …`
 * (`DO NOTHING` when every column is in the key; no ON CONFLICT with `plain`). A key SQLite
 * compares with NOCASE / RTRIM conflicts on its folded unique index and updates every column. Identity columns
 * take the given values (`OVERRIDING SYSTEM VALUE`, a no-op for `GENERATED BY DEFAULT`).
 */
export function insertSql(table: TargetTable, plain: boolean): ApplyStatement {
  const all = table.columns.map((_c, i) => i);
  const names = table.columns.map((c) => quoteIdent(c.name));
  const overriding = table.columns.some((c) => c.identity) ? ' OVERRIDING SYSTEM VALUE' : '';
  let text =
    `INSERT INTO ${qualified(table.schema, table.name)} (${names.join(', ')})${overriding} ` +
    `SELECT * FROM ${unnest(table, all, 'r')}`;
  if (!plain) {
    if (table.primaryKey.length === 0) {
      throw new BridgeError('INTERNAL', `table "${table.source}" has no primary key to upsert on`);
    }
    // A key SQLite compares with NOCASE / RTRIM: the conflict is on the folded values, and the key
    // columns are updated too (an update may change only the case of the key).
    const folded = folds(targetKeyCollations(table));
    const foldIndex = keyFoldIndex(table);
    if (folded && foldIndex === undefined) {
      throw new BridgeError('INTERNAL', `table "${table.source}" has no unique index on its folded key`);
    }
    const keySet = new Set(folded ? [] : table.primaryKey);
    const rest = table.columns.filter((c) => !keySet.has(c.name)).map((c) => quoteIdent(c.name));
    const target = foldIndex !== undefined && folded ? foldIndex.parts : table.primaryKey.map(quoteIdent);
    text +=
      ` ON CONFLICT (${target.join(', ')}) ` +
      (rest.length === 0
        ? 'DO NOTHING'
        : `DO UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`);
  }
  return statement(text, all);
}

/** Every statement `applyBatch` needs for one table. */
export function tableApplySql(table: TargetTable): TableApplySql {
  const keys = keyColumnIndexes(table);
  const keyCollations = targetKeyCollations(table);
  const collisions: CollisionDelete[] = [];
  const unchecked: { index: string; reason: string }[] = [];
  for (const index of table.indexes) {
    if (!index.unique) continue;
    // A partial index only constrains the rows its WHERE selects, and an expression index compares
    // computed values: neither can be matched column by column, so such collisions are not removed
    // here (the upsert then fails with a unique violation instead of keeping a stale row silently).
    if (index.where !== null) {
      unchecked.push({ index: index.name, reason: 'partial index' });
      continue;
    }
    const parts: readonly (TargetIndexColumn | null)[] =
      index.columns ??
      index.parts.map((p) => {
        const name = plainColumn(p);
        return name === null ? null : { name, collation: 'binary' };
      });
    if (parts.some((p) => p === null)) {
      unchecked.push({ index: index.name, reason: 'expression index' });
      continue;
    }
    const columns = parts as readonly TargetIndexColumn[];
    const unique = columns.map((p) => table.columns.findIndex((c) => c.name === p.name));
    if (unique.some((i) => i < 0)) {
      unchecked.push({ index: index.name, reason: 'column not replicated' });
      continue;
    }
    // An index holding the whole key, compared at least as strictly as the key compares it,
    // cannot be shared by two different keys (a NOCASE index on a BINARY key can: 'a' and 'A').
    const holdsKey = keys.every((k, ki) =>
      unique.some((u, ui) => u === k && [keyCollations[ki], 'binary'].includes(columns[ui]!.collation)),
    );
    if (holdsKey) continue;
    const collations = { unique: columns.map((p) => p.collation), keys: keyCollations };
    collisions.push({ index: index.name, statement: collisionDeleteSql(table, unique, keys, collations) });
  }
  const deleteFirst = table.partitioning !== null;
  return {
    keyColumns: keys,
    deleteByKeys: deleteByKeysSql(table, keys, keyCollations),
    collisions,
    uncheckedIndexes: unchecked,
    insert: insertSql(table, deleteFirst),
    deleteFirst,
  };
}

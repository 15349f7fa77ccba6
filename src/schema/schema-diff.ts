import type { SourceColumn, SourceSchema, SourceTable } from '../model/source-schema.js';

/** One difference between two introspections of one SQLite file. */
export interface SchemaChange {
  readonly kind:
    | 'table-added'
    | 'table-dropped'
    | 'column-added'
    | 'column-dropped'
    | 'column-retyped'
    | 'column-changed'
    | 'key-changed'
    | 'index-added'
    | 'index-dropped';
  readonly table: string;
  readonly column?: string;
  /** The index, for index changes. */
  readonly index?: string;
  /** The change as the operator reads it. */
  readonly message: string;
}

/** Changes sync applies to PostgreSQL while it runs; any other change stops it. */
export function isAddition(change: SchemaChange): boolean {
  return change.kind === 'table-added' || change.kind === 'column-added' || change.kind === 'index-added';
}

/**
 * What changed between two introspections of one SQLite file, compared whole (every table, column
 * and index, however many changes happened in between): tables added or dropped (a rename is
 * both), columns added, dropped, retyped or otherwise redefined (NOT NULL, DEFAULT, collation,
 * generated), primary keys changed, indexes created or dropped (a changed index is both).
 */
export function diffSchemas(before: SourceSchema, after: SourceSchema): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const old = new Map(before.tables.map((t) => [t.name, t]));
  const now = new Map(after.tables.map((t) => [t.name, t]));
  for (const table of now.keys()) {
    if (!old.has(table)) changes.push({ kind: 'table-added', table, message: `table "${table}" was added` });
  }
  for (const [table, was] of old) {
    const is = now.get(table);
    if (is === undefined) {
      changes.push({ kind: 'table-dropped', table, message: `table "${table}" was dropped or renamed` });
      continue;
    }
    const oldCols = new Map(was.columns.map((c) => [c.name, c]));
    const newCols = new Map(is.columns.map((c) => [c.name, c]));
    for (const column of newCols.keys()) {
      if (!oldCols.has(column)) {
        changes.push({
          kind: 'column-added',
          table,
          column,
          message: `column "${table}"."${column}" was added`,
        });
      }
    }
    for (const [column, col] of oldCols) {
      const next = newCols.get(column);
      if (next === undefined) {
        changes.push({
          kind: 'column-dropped',
          table,
          column,
          message: `column "${table}"."${column}" was dropped or renamed`,
        });
      } else if (next.declaredType !== col.declaredType) {
        changes.push({
          kind: 'column-retyped',
          table,
          column,
          message: `column "${table}"."${column}" changed type from ${col.declaredType || 'none'} to ${next.declaredType || 'none'}`,
        });
      } else if (definition(next) !== definition(col)) {
        changes.push({
          kind: 'column-changed',
          table,
          column,
          message: `column "${table}"."${column}" changed from ${definition(col)} to ${definition(next)}`,
        });
      }
    }
    changes.push(...indexChanges(table, was, is));
    if (was.primaryKey.join('\u0000') !== is.primaryKey.join('\u0000')) {
      changes.push({ kind: 'key-changed', table, message: `the primary key of "${table}" changed` });
    }
  }
  return changes;
}

/** A column's definition apart from its name and type, as the operator reads it. */
function definition(c: SourceColumn): string {
  const parts = [c.notNull ? 'NOT NULL' : 'NULL', `DEFAULT ${c.defaultSql ?? 'none'}`];
  if (c.collation !== null) parts.push(`COLLATE ${c.collation}`);
  if (c.generated !== null)
    parts.push(`AS (${c.generated.expression})${c.generated.stored ? ' STORED' : ''}`);
  return parts.join(' ');
}

/** Indexes created or dropped by CREATE / DROP INDEX (a redefined index is both). */
function indexChanges(table: string, was: SourceTable, is: SourceTable): SchemaChange[] {
  const created = (t: SourceTable) =>
    new Map(t.indexes.filter((i) => i.origin === 'c').map((i) => [i.name, i.sql]));
  const old = created(was);
  const now = created(is);
  const changes: SchemaChange[] = [];
  for (const [index, sql] of old) {
    if (now.get(index) !== sql) {
      changes.push({
        kind: 'index-dropped',
        table,
        index,
        message: `index "${index}" on "${table}" was ${now.has(index) ? 'redefined' : 'dropped'}`,
      });
    }
  }
  for (const index of now.keys()) {
    if (!old.has(index)) {
      changes.push({
        kind: 'index-added',
        table,
        index,
        message: `index "${index}" on "${table}" was created`,
      });
    }
  }
  return changes;
}

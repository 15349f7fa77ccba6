import type { SourceSchema } from '../model/source-schema.js';

/** One difference between two introspections of one SQLite file. */
export interface SchemaChange {
  readonly kind:
    | 'table-added'
    | 'table-dropped'
    | 'column-added'
    | 'column-dropped'
    | 'column-retyped'
    | 'key-changed';
  readonly table: string;
  readonly column?: string;
  /** The change as the operator reads it. */
  readonly message: string;
}

/**
 * What changed between two introspections of one SQLite file: tables added or dropped (a rename
 * is both), columns added, dropped or retyped, primary keys changed.
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
      }
    }
    if (was.primaryKey.join('\u0000') !== is.primaryKey.join('\u0000')) {
      changes.push({ kind: 'key-changed', table, message: `the primary key of "${table}" changed` });
    }
  }
  return changes;
}

import type { SourceSchema } from '../model/source-schema.js';

/**
 * What changed between two introspections of one SQLite file, one line per change, for the
 * operator: tables added or dropped, columns added, dropped or retyped, primary keys changed.
 */
export function describeSchemaChanges(before: SourceSchema, after: SourceSchema): string[] {
  const changes: string[] = [];
  const old = new Map(before.tables.map((t) => [t.name, t]));
  const now = new Map(after.tables.map((t) => [t.name, t]));
  for (const name of now.keys()) if (!old.has(name)) changes.push(`table "${name}" was added`);
  for (const [name, table] of old) {
    const next = now.get(name);
    if (next === undefined) {
      changes.push(`table "${name}" was dropped or renamed`);
      continue;
    }
    const oldCols = new Map(table.columns.map((c) => [c.name, c]));
    const newCols = new Map(next.columns.map((c) => [c.name, c]));
    for (const c of newCols.keys()) if (!oldCols.has(c)) changes.push(`column "${name}"."${c}" was added`);
    for (const [c, col] of oldCols) {
      const after_ = newCols.get(c);
      if (after_ === undefined) changes.push(`column "${name}"."${c}" was dropped or renamed`);
      else if (after_.declaredType !== col.declaredType) {
        changes.push(
          `column "${name}"."${c}" changed type from ${col.declaredType || 'none'} to ${after_.declaredType || 'none'}`,
        );
      }
    }
    if (table.primaryKey.join('\u0000') !== next.primaryKey.join('\u0000')) {
      changes.push(`the primary key of "${name}" changed`);
    }
  }
  return changes;
}

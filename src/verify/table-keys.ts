import type { TargetColumn, TargetTable } from '../model/target-schema.js';

/** The target columns that identify a row: the source primary key's columns, or the rowid column. */
export function keyColumns(table: TargetTable): readonly TargetColumn[] {
  if (table.key.kind === 'rowid') return table.columns.filter((c) => c.source.kind === 'rowid');
  return table.key.columns.map((name) => {
    const column = table.columns.find((c) => c.source.kind === 'column' && c.source.name === name);
    if (column === undefined) throw new Error(`key column "${name}" of "${table.source}" is not replicated`);
    return column;
  });
}

import { BridgeError } from '../errors.js';
import type { TargetColumn, TargetTable } from '../model/target-schema.js';

/** Positions in `table.columns` of the columns that identify a row: the source primary key's columns in key order, or the rowid column. */
export function keyColumnIndexes(table: TargetTable): readonly number[] {
  const key = table.key;
  if (key.kind === 'rowid') {
    const i = table.columns.findIndex((c) => c.source.kind === 'rowid');
    if (i < 0) throw new BridgeError('INTERNAL', `table "${table.source}" has no rowid column`);
    return [i];
  }
  return key.columns.map((name) => {
    const i = table.columns.findIndex((c) => c.source.kind === 'column' && c.source.name === name);
    if (i < 0) {
      throw new BridgeError('INTERNAL', `key column "${name}" of "${table.source}" is not replicated`);
    }
    return i;
  });
}

/** The columns that identify a row (see keyColumnIndexes). */
export function keyColumns(table: TargetTable): readonly TargetColumn[] {
  return keyColumnIndexes(table).map((i) => table.columns[i]!);
}

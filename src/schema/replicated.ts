/** The tables litebridge replicates: each SQLite table paired with the PostgreSQL table it becomes. */
import type { SourceSchema, SourceTable } from '../model/source-schema.js';
import type { TargetSchema, TargetTable } from '../model/target-schema.js';

/** A replicated table: its SQLite shape and its PostgreSQL shape (column order of the rows). */
export interface ReplicatedTable {
  readonly source: SourceTable;
  readonly target: TargetTable;
}

/** Every table `target` replicates, by SQLite name, with the SQLite table it comes from. */
export function pairTables(source: SourceSchema, target: TargetSchema): Map<string, ReplicatedTable> {
  return new Map(
    target.tables.map((t) => [
      t.source,
      { source: source.tables.find((s) => s.name === t.source)!, target: t },
    ]),
  );
}

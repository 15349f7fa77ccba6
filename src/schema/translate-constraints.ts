/**
 * What the constraint translators of one table share (its context), and its CHECK constraints;
 * indexes are translated in `translate-indexes.ts`, foreign keys in `translate-foreign-keys.ts`.
 * What cannot be translated faithfully is left out with a warning note, never approximated.
 */
import type { SourceTable } from '../model/source-schema.js';
import type { KeyCollation, SchemaNote, TargetCheck } from '../model/target-schema.js';
import { type ColumnMap, type TypeOf, translateExpression } from './expression.js';
import { uniqueName } from './names.js';

/** What the constraint translators need to know about the table being translated. */
export interface TableContext {
  readonly source: SourceTable;
  /** PostgreSQL table name. */
  readonly name: string;
  readonly columnMap: ColumnMap;
  readonly typeOf: TypeOf;
  /** PostgreSQL name of the partition column, or null. */
  readonly partitionColumn: string | null;
  /** PostgreSQL primary key columns (an index on exactly these is redundant). */
  readonly primaryKey: readonly string[];
  /** How SQLite compares each of `primaryKey` (effective: BINARY for non-text columns). */
  readonly keyCollations: readonly KeyCollation[];
  /** Column lists (SQLite names) of this table that other tables' foreign keys reference. */
  readonly referenced?: readonly (readonly string[])[];
  readonly notes: SchemaNote[];
}

/** Translates CHECK constraints; `usedNames` holds this table's constraint names. */
export function translateChecks(ctx: TableContext, usedNames: Set<string>): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const ck of ctx.source.checks) {
    const e = translateExpression(ck.expression, ctx.columnMap, ctx.typeOf, 'condition');
    if (!e.ok) {
      ctx.notes.push({
        level: 'warning',
        table: ctx.source.name,
        message: `CHECK ${ck.name === null ? '' : ck.name + ' '}(${ck.expression}) is not created: ${e.reason}`,
      });
      continue;
    }
    out.push({
      name: uniqueName(ck.name ?? `${ctx.name}_check`, usedNames),
      expression: e.sql,
      source: ck.expression,
    });
  }
  return out;
}

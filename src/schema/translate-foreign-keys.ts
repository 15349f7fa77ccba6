/**
 * The foreign keys of one table, translated once every table is: the parent must be copied and
 * keyed (primary key or unique index) on the referenced columns in PostgreSQL.
 */
import type { SourceForeignKey, SourceTable } from '../model/source-schema.js';
import type { TargetForeignKey, TargetTable } from '../model/target-schema.js';
import type { ColumnMap } from './expression.js';
import { targetKeyCollations } from './key-collation.js';
import { asciiLower } from './lookup.js';
import { uniqueName } from './names.js';
import type { TableContext } from './translate-constraints.js';

/** Translates foreign keys once every table is translated; `usedNames` holds this table's constraint names. */
export function translateForeignKeys(
  ctx: TableContext,
  targets: ReadonlyMap<
    string,
    { readonly source: SourceTable; readonly target: TargetTable; readonly columnMap: ColumnMap }
  >,
  usedNames: Set<string>,
): TargetForeignKey[] {
  const out: TargetForeignKey[] = [];
  for (const fk of ctx.source.foreignKeys) {
    const r = translateForeignKey(ctx, fk, targets);
    if (typeof r === 'string') {
      ctx.notes.push({
        level: 'warning',
        table: ctx.source.name,
        message: `foreign key (${fk.columns.join(', ')}) → ${fk.referencedTable} is not created: ${r}`,
      });
      continue;
    }
    const folded = foldedReference(r, targets.get(asciiLower(fk.referencedTable))?.target);
    if (folded.length > 0) {
      ctx.notes.push({
        level: 'warning',
        table: ctx.source.name,
        message: `foreign key (${fk.columns.join(', ')}) → ${fk.referencedTable}: SQLite matches ${folded.join(', ')} to the parent key as its collation compares (NOCASE / RTRIM), PostgreSQL bytewise: a child row spelling the parent key otherwise is refused when the foreign key is validated at cutover`,
      });
    }
    out.push({ ...r, name: uniqueName(`${ctx.name}_${r.columns.join('_')}_fkey`, usedNames) });
  }
  return out;
}

function translateForeignKey(
  ctx: TableContext,
  fk: SourceForeignKey,
  targets: ReadonlyMap<
    string,
    { readonly source: SourceTable; readonly target: TargetTable; readonly columnMap: ColumnMap }
  >,
): Omit<TargetForeignKey, 'name'> | string {
  const parent = targets.get(asciiLower(fk.referencedTable));
  if (parent === undefined) return `table ${fk.referencedTable} is not copied (missing or skipped)`;
  const refSource = fk.referencedColumns.length > 0 ? fk.referencedColumns : parent.source.primaryKey;
  if (refSource.length !== fk.columns.length)
    return `it does not match the primary key of ${fk.referencedTable}`;
  const columns = fk.columns.map((c) => ctx.columnMap(c));
  const refColumns = refSource.map((c) => parent.columnMap(c));
  if (columns.some((c) => c === undefined) || refColumns.some((c) => c === undefined))
    return 'one of its columns is not copied';
  const refs = refColumns as string[];
  const key = [...refs].sort().join('\0');
  const sameSet = (cols: readonly string[]): boolean => [...cols].sort().join('\0') === key;
  const t = parent.target;
  const unique =
    sameSet(t.primaryKey) ||
    t.indexes.some(
      (ix) =>
        ix.unique && ix.where === null && ix.parts.length === refs.length && sameSet(ix.parts.map(unquote)),
    );
  if (!unique) return `PostgreSQL needs a primary key or unique index on ${t.name} (${refs.join(', ')})`;
  return {
    columns: columns as string[],
    referencedSchema: t.schema,
    referencedTable: t.name,
    referencedColumns: refs,
    onUpdate: fk.onUpdate,
    onDelete: fk.onDelete,
    deferred: fk.deferred,
  };
}

/** The child columns of `fk` whose parent column SQLite compares with NOCASE / RTRIM (in its key or a UNIQUE index). */
function foldedReference(fk: Omit<TargetForeignKey, 'name'>, parent: TargetTable | undefined): string[] {
  if (parent === undefined) return [];
  const collations = targetKeyCollations(parent);
  const foldedUnique = (column: string): boolean =>
    parent.indexes.some(
      (ix) =>
        ix.unique &&
        (ix.columns ?? []).some((c) => c !== null && c.name === column && c.collation !== 'binary'),
    );
  return fk.columns.filter((_c, i) => {
    const ref = fk.referencedColumns[i] ?? '';
    const k = parent.primaryKey.indexOf(ref);
    return (k >= 0 && (collations[k] ?? 'binary') !== 'binary') || foldedUnique(ref);
  });
}

/** The column name inside a rendered index part `"col"`, or '' for expressions and DESC parts. */
function unquote(part: string): string {
  return /^"(?:[^"]|"")*"$/.test(part) ? part.slice(1, -1).replaceAll('""', '"') : '';
}

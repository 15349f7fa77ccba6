/**
 * Indexes, CHECK constraints and foreign keys of one table, translated to the target model.
 * What cannot be translated faithfully is left out with a warning note, never approximated.
 */
import type { SourceForeignKey, SourceIndex, SourceTable } from '../model/source-schema.js';
import type {
  KeyCollation,
  SchemaNote,
  TargetCheck,
  TargetForeignKey,
  TargetIndex,
  TargetIndexColumn,
  TargetTable,
} from '../model/target-schema.js';
import { type ColumnMap, type TypeOf, translateExpression } from './expression.js';
import {
  collationMeaning,
  effectiveCollation,
  folds,
  keyCollation,
  pgFolded,
  pgFoldedPart,
  targetKeyCollations,
} from './key-collation.js';
import { asciiLower } from './lookup.js';
import { uniqueName } from './names.js';
import { quoteIdent } from './quote.js';

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

const BYTEWISE = (coll: string): string =>
  `collation ${coll} has no PostgreSQL equivalent: PostgreSQL compares bytewise, SQLite ${coll.toUpperCase() === 'NOCASE' ? 'ignores ASCII case' : coll.toUpperCase() === 'RTRIM' ? 'ignores trailing spaces' : `uses ${coll}`}`;

/** Translates the table's indexes (not the primary key's); `usedNames` holds the schema's relation names. */
export function translateIndexes(ctx: TableContext, usedNames: Set<string>): TargetIndex[] {
  const out: TargetIndex[] = [];
  // Indexes already covered, by rendered parts and WHERE: the primary key's, then each one kept.
  const covered = new Map<string, { name: string; unique: boolean }>([
    [indexKey(ctx.primaryKey.map(quoteIdent), null), { name: 'the primary key', unique: true }],
  ]);
  const keyFold = primaryKeyFoldIndex(ctx, usedNames);
  if (keyFold !== null) {
    out.push(keyFold);
    covered.set(indexKey(keyFold.parts, null), { name: 'the primary key', unique: true });
  }
  for (const ix of ctx.source.indexes) {
    if (ix.origin === 'pk') continue;
    const drop = (why: string): void => {
      ctx.notes.push({
        level: 'warning',
        table: ctx.source.name,
        message: `index ${ix.name} is not created: ${why}`,
      });
    };
    const parts = indexParts(ctx, ix);
    if (typeof parts === 'string') {
      drop(parts);
      continue;
    }
    let where: string | null = null;
    if (ix.where !== null) {
      const w = translateExpression(ix.where, ctx.columnMap, ctx.typeOf, 'condition');
      if (!w.ok) {
        drop(`its WHERE clause (${ix.where}) cannot be translated: ${w.reason}`);
        continue;
      }
      where = w.sql;
    }
    if (ix.unique && ctx.partitionColumn !== null && !parts.columns.includes(ctx.partitionColumn)) {
      drop(
        `a UNIQUE index on a partitioned table must include the partition column ${ctx.partitionColumn}, so uniqueness is no longer enforced`,
      );
      continue;
    }
    for (const coll of parts.collations) {
      ctx.notes.push({
        level: 'warning',
        table: ctx.source.name,
        message: `index ${ix.name}: ${BYTEWISE(coll)}${ix.unique ? '; uniqueness may differ (values SQLite saw as equal are distinct in PostgreSQL)' : ''}`,
      });
    }
    const folded = parts.keyParts.filter((c) => c !== null && c.collation !== 'binary');
    if (folded.length > 0) {
      ctx.notes.push({
        level: 'info',
        table: ctx.source.name,
        message: `unique index ${ix.name}: ${foldedMeaning(folded as TargetIndexColumn[])}; PostgreSQL enforces the same uniqueness on the folded value${folded.length > 1 ? 's' : ''} (${(folded as TargetIndexColumn[]).map((c) => pgFolded(quoteIdent(c.name), c.collation)).join(', ')})`,
      });
    }
    const key = indexKey(parts.rendered, where);
    const twin = covered.get(key);
    if (twin !== undefined && (twin.unique || !ix.unique)) {
      ctx.notes.push({
        level: 'info',
        table: ctx.source.name,
        message: `index ${ix.name} is not created: it duplicates ${twin.name === 'the primary key' ? twin.name : `index ${twin.name}`}`,
      });
      continue;
    }
    covered.set(key, { name: ix.name, unique: ix.unique });
    const wanted = ix.origin === 'u' ? `${ctx.name}_${parts.columns.join('_') || 'expr'}_key` : ix.name;
    out.push({
      name: uniqueName(wanted, usedNames),
      unique: ix.unique,
      columns: parts.keyParts,
      parts: parts.rendered,
      where,
      source: ix.name,
    });
    const allPlain = parts.keyParts.every((p) => p !== null);
    const plain = folded.length > 0 && allPlain ? plainTwin(ctx, ix.name, parts.columns, usedNames) : null;
    if (plain !== null) out.push(plain);
  }
  return out;
}

/**
 * A plain UNIQUE index on `columns` beside one on their folded values, when a foreign key
 * references them: PostgreSQL's foreign keys need a unique index on the plain columns (bytewise
 * uniqueness follows from SQLite's NOCASE / RTRIM uniqueness). Null when none references them.
 */
function plainTwin(
  ctx: TableContext,
  source: string,
  columns: readonly string[],
  usedNames: Set<string>,
): TargetIndex | null {
  const key = [...columns].sort().join('\0');
  const wanted = (ctx.referenced ?? []).some(
    (cols) =>
      cols.length === columns.length &&
      cols
        .map((c) => ctx.columnMap(c) ?? '')
        .sort()
        .join('\0') === key,
  );
  if (!wanted) return null;
  const index: TargetIndex = {
    name: uniqueName(`${ctx.name}_${columns.join('_')}_plain_key`, usedNames),
    unique: true,
    columns: columns.map((name) => ({ name, collation: 'binary' })),
    parts: columns.map(quoteIdent),
    where: null,
    source,
  };
  ctx.notes.push({
    level: 'info',
    table: ctx.source.name,
    message: `unique index ${source}: also ${index.name} on (${columns.join(', ')}) as PostgreSQL compares, which the foreign keys referencing it need (one more index)`,
  });
  return index;
}

/** `code ignores ASCII case (A–Z only) in SQLite, name ignores trailing spaces`. */
function foldedMeaning(columns: readonly TargetIndexColumn[]): string {
  return columns.map((c) => `${c.name} ${collationMeaning(c.collation)} in SQLite`).join(', ');
}

/**
 * A primary key SQLite compares with NOCASE or RTRIM: PostgreSQL cannot put a primary key on an
 * expression, so the key stays on the columns (bytewise) and a unique index on the folded values
 * enforces SQLite's uniqueness; upserts and deletes by key go through that index. Null when the
 * key compares bytewise.
 */
function primaryKeyFoldIndex(ctx: TableContext, usedNames: Set<string>): TargetIndex | null {
  if (!folds(ctx.keyCollations)) return null;
  const columns = ctx.primaryKey.map((name, i) => ({ name, collation: ctx.keyCollations[i] ?? 'binary' }));
  const index: TargetIndex = {
    name: uniqueName(`${ctx.name}_pkey_folded`, usedNames),
    unique: true,
    columns,
    primaryKeyFold: true,
    parts: columns.map((c) => pgFoldedPart(quoteIdent(c.name), c.collation)),
    where: null,
    source: 'PRIMARY KEY',
  };
  const folded = columns.filter((c) => c.collation !== 'binary');
  ctx.notes.push({
    level: 'info',
    table: ctx.source.name,
    message:
      `primary key: ${foldedMeaning(folded)}; PostgreSQL keeps the primary key on the column${columns.length > 1 ? 's' : ''} and enforces ` +
      `SQLite's uniqueness with unique index ${index.name} on (${index.parts.join(', ')}): one extra index, ` +
      `written on every insert and key change; sync's upserts and deletes by key use it`,
  });
  return index;
}

/** What makes two indexes the same index in PostgreSQL: their key parts and their WHERE. */
function indexKey(parts: readonly string[], where: string | null): string {
  return `${parts.join(', ')}|${where ?? ''}`;
}

function indexParts(
  ctx: TableContext,
  ix: SourceIndex,
):
  | { rendered: string[]; columns: string[]; keyParts: (TargetIndexColumn | null)[]; collations: string[] }
  | string {
  const rendered: string[] = [];
  const columns: string[] = [];
  const keyParts: (TargetIndexColumn | null)[] = [];
  const collations: string[] = [];
  for (const part of ix.parts) {
    let sql: string;
    const known = keyCollation(part.collation);
    if (part.column !== null) {
      const pg = ctx.columnMap(part.column);
      if (pg === undefined) return `column ${part.column} is not copied`;
      columns.push(pg);
      const type = ctx.typeOf(part.column);
      // A UNIQUE index enforces SQLite's equality on the folded value; an ordinary index keeps
      // serving lookups on the column as PostgreSQL compares it.
      const collation =
        ix.unique && known !== null && type !== undefined ? effectiveCollation(known, type) : 'binary';
      keyParts.push({ name: pg, collation });
      sql = pgFoldedPart(quoteIdent(pg), collation);
      if (part.collation !== null && (known === null || (!ix.unique && known !== 'binary')))
        collations.push(part.collation);
    } else {
      const e = translateExpression(part.expression ?? '', ctx.columnMap, ctx.typeOf, 'index key');
      if (!e.ok) return `expression ${part.expression} cannot be translated (${e.reason})`;
      sql = `(${e.sql})`;
      keyParts.push(null);
      if (part.collation !== null && known !== 'binary') collations.push(part.collation);
    }
    rendered.push(part.descending ? `${sql} DESC` : sql);
  }
  return { rendered, columns, keyParts, collations };
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

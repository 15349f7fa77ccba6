/**
 * The indexes of one table, translated to the target model: key parts and WHERE with SQLite's
 * meaning, duplicates of the primary key or of each other dropped, case-folding collations as
 * folded expression indexes. What cannot be translated faithfully is left out with a note.
 */
import type { SourceIndex } from '../model/source-schema.js';
import type { TargetIndex, TargetIndexColumn } from '../model/target-schema.js';
import { translateExpression } from './expression.js';
import {
  collationMeaning,
  effectiveCollation,
  folds,
  keyCollation,
  pgFolded,
  pgFoldedPart,
} from './key-collation.js';
import { uniqueName } from './names.js';
import { quoteIdent } from './quote.js';
import type { TableContext } from './translate-constraints.js';

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

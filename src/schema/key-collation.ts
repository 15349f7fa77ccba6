/**
 * How SQLite compares a key: the one place that knows it, for both SQL dialects and for values
 * in hand. SQLite's built-in collations are BINARY (bytes, the default), NOCASE (ASCII A–Z fold
 * to a–z, nothing else: `é` and `É` stay distinct) and RTRIM (trailing U+0020 spaces ignored).
 * A PRIMARY KEY or UNIQUE index compares its text values with the collation of its index part
 * (the column's declared collation unless the constraint or index names another).
 *
 * PostgreSQL has no collation with exactly these rules (a nondeterministic ICU collation folds
 * all of Unicode), so equality under NOCASE / RTRIM is enforced on a folded value instead:
 * `translate(col, 'A…Z', 'a…z')` and `rtrim(col, ' ')`, both IMMUTABLE and indexable. Two
 * texts are the same key in SQLite exactly when their folded values are equal, and SQLite
 * orders them as the folded values order bytewise.
 */
import type { SourceIndex, SourceTable } from '../model/source-schema.js';
import type { SqlValue } from '../model/sql-value.js';
import type { KeyCollation, PgType, TargetIndex, TargetTable } from '../model/target-schema.js';

export type { KeyCollation } from '../model/target-schema.js';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

/** The built-in collation `name` names (null or '' = BINARY), or null for an application-defined one. */
export function keyCollation(name: string | null): KeyCollation | null {
  const upper = (name ?? 'BINARY').toUpperCase();
  if (upper === 'BINARY' || upper === '') return 'binary';
  if (upper === 'NOCASE') return 'nocase';
  if (upper === 'RTRIM') return 'rtrim';
  return null;
}

/**
 * The collation a key part compares with once in PostgreSQL: folding only matters for text
 * (SQLite applies collations to TEXT values alone, and a non-text target column holds none).
 */
export function effectiveCollation(collation: KeyCollation, type: PgType): KeyCollation {
  return type === 'text' ? collation : 'binary';
}

/** The SQLite key columns' collations, in key order (`captureKeyColumns` order): BINARY for a rowid key. */
export function sourceKeyCollations(table: SourceTable): readonly KeyCollation[] {
  if (table.primaryKey.length === 0) return ['binary'];
  const pk = table.indexes.find((ix) => ix.origin === 'pk');
  return table.primaryKey.map((name) => {
    const part = pk?.parts.find((p) => p.column !== null && p.column.toLowerCase() === name.toLowerCase());
    // INTEGER PRIMARY KEY has no index: its values are integers, which collations never touch.
    return keyCollation(part?.collation ?? null) ?? 'binary';
  });
}

/** The collation of each part of `index` (null for an application-defined collation). */
export function indexCollations(index: SourceIndex): readonly (KeyCollation | null)[] {
  return index.parts.map((p) => keyCollation(p.collation));
}

/** A SQLite comparison operand compared with `collation`: `expr COLLATE NOCASE`, or `expr` for BINARY. */
export function sqliteCollated(expr: string, collation: KeyCollation): string {
  return collation === 'binary' ? `${expr} COLLATE BINARY` : `${expr} COLLATE ${collation.toUpperCase()}`;
}

/** `a = b` in SQLite under `collation` (the collation decides, whatever the columns declare). */
export function sqliteEquals(a: string, b: string, collation: KeyCollation): string {
  return `${a} = ${sqliteCollated(b, collation)}`;
}

/** The PostgreSQL expression whose bytewise equality is SQLite's equality under `collation`. */
export function pgFolded(expr: string, collation: KeyCollation): string {
  switch (collation) {
    case 'binary':
      return expr;
    case 'nocase':
      return `translate(${expr}, '${UPPER}', '${LOWER}')`;
    case 'rtrim':
      return `rtrim(${expr}, ' ')`;
  }
}

/** An index part (or ON CONFLICT inference element) on the folded value: `"col"` or `(translate("col", …))`. */
export function pgFoldedPart(quotedColumn: string, collation: KeyCollation): string {
  return collation === 'binary' ? quotedColumn : `(${pgFolded(quotedColumn, collation)})`;
}

/** `a = b` in PostgreSQL with SQLite's equality under `collation` (uses an index on the folded value). */
export function pgEquals(a: string, b: string, collation: KeyCollation): string {
  return `${pgFolded(a, collation)} = ${pgFolded(b, collation)}`;
}

/** A text folded as `collation` compares it; every other value is returned as is. */
export function foldText<T extends SqlValue>(value: T, collation: KeyCollation): T {
  if (typeof value !== 'string' || collation === 'binary') return value;
  const folded =
    collation === 'nocase' ? value.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : value.replace(/ +$/, '');
  return folded as T;
}

/** What SQLite ignores under `collation`, for messages (`ignores ASCII case`). */
export function collationMeaning(collation: KeyCollation): string {
  switch (collation) {
    case 'binary':
      return 'compares bytes';
    case 'nocase':
      return 'ignores ASCII case (A–Z only)';
    case 'rtrim':
      return 'ignores trailing spaces';
  }
}

/** True when any of `collations` folds (is not BINARY). */
export function folds(collations: readonly KeyCollation[]): boolean {
  return collations.some((c) => c !== 'binary');
}

/** How SQLite compares each key column of `table`, in key order (`keyColumnIndexes` order). */
export function targetKeyCollations(table: TargetTable): readonly KeyCollation[] {
  const width = table.key.kind === 'primary-key' ? table.key.columns.length : 1;
  const given = table.key.kind === 'primary-key' ? (table.key.collations ?? []) : [];
  return Array.from({ length: width }, (_, i) => given[i] ?? 'binary');
}

/** The unique index enforcing `table`'s key on folded values (see translate-constraints), or undefined. */
export function keyFoldIndex(table: TargetTable): TargetIndex | undefined {
  return table.indexes.find((ix) => ix.primaryKeyFold === true);
}

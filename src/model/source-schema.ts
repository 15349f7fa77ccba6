/**
 * The SQLite side of the neutral table model: what introspection finds in a file.
 * Pure data, no behaviour; produced by `schema/introspect.ts`.
 */

/** One column as `PRAGMA table_xinfo` and the table's CREATE statement describe it. */
export interface SourceColumn {
  /** Name exactly as SQLite spells it. */
  readonly name: string;
  /** Position in the table (0-based, hidden columns included). */
  readonly cid: number;
  /** Declared type as written (`VARCHAR(50)`, `DATETIME`, `` for none). */
  readonly declaredType: string;
  readonly notNull: boolean;
  /** The DEFAULT clause's expression text as SQLite stores it, or null. */
  readonly defaultSql: string | null;
  /** 1-based position in the primary key, 0 when not part of it. */
  readonly pkPosition: number;
  /** Generated column: its expression text and kind, or null for an ordinary column. */
  readonly generated: { readonly expression: string; readonly stored: boolean } | null;
  /** Collation named in the column definition (`NOCASE`, `RTRIM`), or null for BINARY. */
  readonly collation: string | null;
}

/** One index (explicit, or implied by UNIQUE / PRIMARY KEY constraints). */
export interface SourceIndex {
  readonly name: string;
  readonly unique: boolean;
  /** 'c' = CREATE INDEX, 'u' = UNIQUE constraint, 'pk' = PRIMARY KEY constraint. */
  readonly origin: 'c' | 'u' | 'pk';
  /** Key parts in order: a column name, or an expression's SQL text. */
  readonly parts: readonly SourceIndexPart[];
  /** The WHERE clause of a partial index (SQL text without `WHERE`), or null. */
  readonly where: string | null;
  /** The CREATE INDEX statement, or null for constraint-implied indexes. */
  readonly sql: string | null;
}

export interface SourceIndexPart {
  /** Column name, or null when the part is an expression. */
  readonly column: string | null;
  /** Expression text when `column` is null. */
  readonly expression: string | null;
  readonly descending: boolean;
  readonly collation: string | null;
}

/** One FOREIGN KEY constraint (`PRAGMA foreign_key_list`, grouped by id). */
export interface SourceForeignKey {
  readonly id: number;
  readonly columns: readonly string[];
  readonly referencedTable: string;
  /** Referenced columns; empty means "the referenced table's primary key". */
  readonly referencedColumns: readonly string[];
  readonly onUpdate: string;
  readonly onDelete: string;
  readonly deferred: boolean;
}

/** A CHECK constraint found in the CREATE TABLE statement. */
export interface SourceCheck {
  readonly name: string | null;
  readonly expression: string;
}

export interface SourceTable {
  /** Name exactly as SQLite spells it. */
  readonly name: string;
  readonly columns: readonly SourceColumn[];
  /** Declared primary key column names in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** The column that aliases the rowid (`x INTEGER PRIMARY KEY`), or null. */
  readonly rowidAlias: string | null;
  readonly withoutRowid: boolean;
  readonly autoincrement: boolean;
  readonly strict: boolean;
  readonly indexes: readonly SourceIndex[];
  readonly foreignKeys: readonly SourceForeignKey[];
  readonly checks: readonly SourceCheck[];
  /** The CREATE TABLE statement as stored in sqlite_schema. */
  readonly sql: string;
}

export interface SourceView {
  readonly name: string;
  readonly sql: string;
}

export interface SourceSchema {
  /** Ordinary tables the application owns (sqlite_* and _litebridge_* excluded). */
  readonly tables: readonly SourceTable[];
  /** Views: reported, never copied. */
  readonly views: readonly SourceView[];
  /** Virtual tables and other objects skipped, each with the reason. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

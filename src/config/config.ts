import type { PartitionInterval, PgType, TimeInput } from '../model/target-schema.js';

/** Per-column override from the config file. */
export interface ColumnOverride {
  /** Target PostgreSQL type instead of the default rule's. */
  readonly cast?: PgType;
  /** Target column name instead of the SQLite spelling. */
  readonly rename?: string;
  /** Leave this column out of PostgreSQL altogether. */
  readonly skip?: boolean;
  /** How numbers in a date/time column are read. Default 'text' (numbers are refused). */
  readonly timeInput?: TimeInput;
}

/** Per-table override from the config file. */
export interface TableOverride {
  readonly rename?: string;
  readonly skip?: boolean;
  readonly columns?: Readonly<Record<string, ColumnOverride>>;
}

export interface PartitionSpec {
  /** SQLite name of a date/time column. */
  readonly column: string;
  readonly interval: PartitionInterval;
  /** Partitions kept ahead of now (default 4, pg_partman's default). */
  readonly premake?: number;
  /** Partitions whose whole range ended more than this many intervals ago are detached (none when absent). */
  readonly retention?: number;
}

/** What to do with a value PostgreSQL cannot hold. */
export type OnBadRow = 'stop' | 'quarantine';

/** Translation options: everything `schema/translate.ts` needs besides the source schema. */
export interface TranslateOptions {
  /** Target schema for the application's tables (default `public`). */
  readonly schema: string;
  /** Map DATETIME/TIMESTAMP to timestamptz instead of timestamp. */
  readonly timestamptz: boolean;
  /**
   * Collation of text columns: `C` (default) compares bytewise, exactly as SQLite's BINARY
   * collation does; null keeps the database's default collation.
   */
  readonly textCollation: string | null;
  readonly tables: Readonly<Record<string, TableOverride>>;
  readonly partitions: Readonly<Record<string, PartitionSpec>>;
}

/** One frozen, validated configuration; built only by `config/load.ts`. */
export interface Config extends TranslateOptions {
  readonly sqlitePath: string;
  /** Names this SQLite file in litebridge's PostgreSQL metadata (default: the file's base name). */
  readonly sourceId: string;
  /** Connection string; the password inside is never logged (see `redactUrl`). */
  readonly pgUrl: string;
  readonly onBadRow: OnBadRow;
  /** PostgreSQL connections used for the snapshot's parallel tables and index builds. */
  readonly parallel: number;
  /** Copy worker threads for the snapshot; null = automatic (one per core for large files). */
  readonly workers: number | null;
  /** Drop and re-create target tables that already hold rows. */
  readonly replace: boolean;
  /** Path of the config file that was read, or null. */
  readonly configFile: string | null;
}

/** Defaults for translation when no config file says otherwise. */
export const DEFAULT_TRANSLATE_OPTIONS: TranslateOptions = Object.freeze({
  schema: 'public',
  timestamptz: false,
  textCollation: 'C',
  tables: Object.freeze({}),
  partitions: Object.freeze({}),
});

import type { TranslateOptions } from '../../src/config/config.js';
import type { SourceColumn, SourceSchema, SourceTable } from '../../src/model/source-schema.js';

/** A SourceColumn with defaults for everything not given. */
export function col(name: string, declaredType: string, extra: Partial<SourceColumn> = {}): SourceColumn {
  return {
    name,
    cid: 0,
    declaredType,
    notNull: false,
    defaultSql: null,
    pkPosition: 0,
    generated: null,
    collation: null,
    ...extra,
  };
}

/** A SourceTable; primary key and rowid alias derived from the columns unless given. */
export function tbl(name: string, columns: SourceColumn[], extra: Partial<SourceTable> = {}): SourceTable {
  const cols = columns.map((c, cid) => ({ ...c, cid }));
  const primaryKey = cols
    .filter((c) => c.pkPosition > 0)
    .sort((a, b) => a.pkPosition - b.pkPosition)
    .map((c) => c.name);
  const only = primaryKey.length === 1 ? cols.find((c) => c.name === primaryKey[0]) : undefined;
  return {
    name,
    columns: cols,
    primaryKey,
    rowidAlias: !extra.withoutRowid && only?.declaredType.toUpperCase() === 'INTEGER' ? only.name : null,
    withoutRowid: false,
    autoincrement: false,
    strict: false,
    indexes: [],
    foreignKeys: [],
    checks: [],
    sql: '',
    ...extra,
  };
}

/** A SourceSchema of these tables. */
export function schemaOf(...tables: SourceTable[]): SourceSchema {
  return { tables, views: [], skipped: [] };
}

/** Translation options with defaults. */
export function opts(extra: Partial<TranslateOptions> = {}): TranslateOptions {
  return { schema: 'app', timestamptz: false, textCollation: 'C', tables: {}, partitions: {}, ...extra };
}

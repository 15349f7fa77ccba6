/** One SQLite column → one PostgreSQL column: type rule or cast, identity, default, notes. */
import type { ColumnOverride, TranslateOptions } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { SourceColumn, SourceTable } from '../model/source-schema.js';
import type { PgType, SchemaNote, TargetColumn } from '../model/target-schema.js';
import { translateDefault } from './default-sql.js';
import type { ColumnMap } from './expression.js';
import { keyCollation } from './key-collation.js';
import { asciiLower } from './lookup.js';
import { defaultTypeRule, isTimeType, type TypeRule } from './type-rules.js';

/** Integer types: a rowid alias of one of them becomes an identity. */
export const INTEGER_TYPES: readonly PgType[] = ['bigint', 'integer', 'smallint'];

/** Records a note about the table (about one of its PostgreSQL columns when `column` is given). */
export type ColumnNote = (level: SchemaNote['level'], message: string, column?: string) => void;

/** A column the configuration keeps: its override (looked up once) and its PostgreSQL name. */
export interface KeptColumn {
  readonly column: SourceColumn;
  readonly override: ColumnOverride | undefined;
  readonly name: string;
}

/** What translating a column needs of its table. */
export interface ColumnContext {
  readonly table: SourceTable;
  readonly options: TranslateOptions;
  /** The table is partitioned: its rowid alias gets a sequence of its own, not an identity. */
  readonly partitioned: boolean;
  /** SQLite column name → PostgreSQL name (for defaults that name columns). */
  readonly columnMap: ColumnMap;
  readonly note: ColumnNote;
}

/** The PostgreSQL column one kept SQLite column becomes. Throws BAD_CONFIG for a misplaced timeInput. */
export function buildColumn(ctx: ColumnContext, kept: KeptColumn): TargetColumn {
  const { table: t, options } = ctx;
  const { column: c, override: o, name } = kept;
  const rule = defaultTypeRule(c.declaredType, { timestamptz: options.timestamptz, strict: t.strict });
  const type = o?.cast ?? rule.type;
  const isAlias = t.rowidAlias !== null && asciiLower(t.rowidAlias) === asciiLower(c.name);
  const identity = isAlias && INTEGER_TYPES.includes(type) && !ctx.partitioned;
  let reason =
    o?.cast !== undefined
      ? `Cast to ${o.cast} by configuration (the default rule gives ${rule.type}).`
      : rule.reason;
  if (isAlias) {
    reason = `INTEGER PRIMARY KEY aliases the 64-bit rowid${t.autoincrement ? ' (AUTOINCREMENT: the identity also moves past sqlite_sequence)' : ''}.`;
  }
  if (o?.timeInput !== undefined && !isTimeType(type)) {
    throw new BridgeError(
      'BAD_CONFIG',
      `tables.${t.name}.columns.${c.name}.timeInput: the column becomes ${type}, not a date/time type`,
      {
        details: { table: t.name, column: c.name, type },
      },
    );
  }
  const defaultSql = columnDefault(ctx, kept, type, rule, identity);
  noteCollation(ctx, kept);
  return {
    source: { kind: 'column', name: c.name },
    name,
    type,
    declaredType: c.declaredType,
    ...(type === 'jsonb' && rule.variant === true ? { variant: true } : {}),
    notNull: c.notNull || isAlias || (t.withoutRowid && c.pkPosition > 0),
    default: defaultSql,
    identity,
    collation: type === 'text' ? options.textCollation : null,
    timeInput: o?.timeInput ?? 'text',
    reason,
  };
}

/** The column's PostgreSQL DEFAULT, or null (noted when a SQLite default or generation is dropped). */
function columnDefault(
  ctx: ColumnContext,
  { column: c, name }: KeptColumn,
  type: PgType,
  rule: TypeRule,
  identity: boolean,
): string | null {
  if (c.generated !== null) {
    ctx.note(
      'warning',
      `generated column ${c.name} AS (${c.generated.expression}) is copied as a plain column holding its values`,
      name,
    );
    return null;
  }
  if (identity) {
    if (c.defaultSql !== null)
      ctx.note('warning', `DEFAULT ${c.defaultSql} is dropped: the column is an identity`, name);
    return null;
  }
  const d = translateDefault(
    c.defaultSql,
    type,
    ctx.columnMap,
    undefined,
    type === 'jsonb' && rule.variant === true,
  );
  if (d.ok) return d.sql;
  ctx.note('warning', `default dropped: ${d.reason}`, name);
  return null;
}

/** Notes a column collation PostgreSQL has no equivalent of. */
function noteCollation({ options, note }: ColumnContext, { column: c, name }: KeptColumn): void {
  if (c.collation === null || c.collation.toUpperCase() === 'BINARY') return;
  note(
    'warning',
    `column collation ${c.collation} has no PostgreSQL equivalent: PostgreSQL compares ${options.textCollation === 'C' ? 'bytewise' : `with collation ${options.textCollation ?? 'of the database'}`} in queries and ORDER BY${keyCollation(c.collation) === null ? '' : ' (a primary key or UNIQUE index on it is enforced as SQLite compares, on the folded value)'}`,
    name,
  );
}

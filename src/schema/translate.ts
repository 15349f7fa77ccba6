/**
 * SQLite schema → PostgreSQL schema. The type rules are in `type-rules.ts` (documented there as
 * a table); this module applies them with the configuration's overrides, keeps names exactly as
 * spelled, keys rowid tables by a synthetic column, and notes every decision worth reading.
 * Nothing is created here: name problems throw before any DDL exists.
 */
import type { TranslateOptions } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { SourceColumn, SourceSchema, SourceTable } from '../model/source-schema.js';
import type { PgType, SchemaNote, TargetColumn, TargetSchema, TargetTable } from '../model/target-schema.js';
import { qualified, quoteLiteral } from './ddl.js';
import { translateDefault } from './default-sql.js';
import type { ColumnMap, TypeOf } from './expression.js';
import { effectiveCollation, folds, keyCollation, sourceKeyCollations } from './key-collation.js';
import { asciiLower, findByName, getByName } from './lookup.js';
import { uniqueName } from './names.js';
import { DEFAULT_PREMAKE } from './partition-names.js';
import { checkNames, type NamePlan, unshadowedRowidName, validateOverrides } from './translate-checks.js';
import {
  type TableContext,
  translateChecks,
  translateForeignKeys,
  translateIndexes,
} from './translate-constraints.js';
import { defaultTypeRule, isTimeType } from './type-rules.js';

/** Name of the synthetic key column of a table without a declared primary key. */
export const ROWID_COLUMN = '_litebridge_rowid';

const INTEGER_TYPES: readonly PgType[] = ['bigint', 'integer', 'smallint'];

/** Translates every table the configuration does not skip. Throws BAD_CONFIG or DATA (see module comment). */
export function translate(source: SourceSchema, options: TranslateOptions): TargetSchema {
  validateOverrides(source, options);
  const notes: SchemaNote[] = [];
  const kept = source.tables.filter((t) => getByName(options.tables, t.name)?.skip !== true);
  for (const t of source.tables) {
    if (!kept.includes(t))
      notes.push({ level: 'info', table: t.name, message: `table ${t.name} is skipped by configuration` });
  }
  const plans = kept.map((t) => namePlan(t, options));
  checkNames(options.schema, plans);
  const usedRelations = new Set(plans.map((p) => p.name));
  // Column lists foreign keys reference, per parent table: a UNIQUE index PostgreSQL enforces on
  // folded values (NOCASE) also needs a plain one there for them.
  const referenced = (t: SourceTable): (readonly string[])[] =>
    source.tables.flatMap((s) =>
      s.foreignKeys
        .filter(
          (fk) => asciiLower(fk.referencedTable) === asciiLower(t.name) && fk.referencedColumns.length > 0,
        )
        .map((fk) => fk.referencedColumns),
    );
  const built = kept.map((t, i) => buildTable(t, plans[i]!.name, options, usedRelations, referenced(t)));
  const byName = new Map(built.map((b) => [asciiLower(b.source.name), b] as const));
  const tables = built.map((b): TargetTable => {
    const foreignKeys = translateForeignKeys(b.ctx, byName, b.constraintNames);
    notes.push(...b.ctx.notes);
    return { ...b.target, foreignKeys };
  });
  for (const v of source.views)
    notes.push({ level: 'info', table: v.name, message: `view ${v.name} is not copied` });
  for (const s of source.skipped) {
    const level = s.reason.startsWith('shadow') ? 'info' : 'warning';
    notes.push({ level, table: s.name, message: `${s.name} is not copied: ${s.reason}` });
  }
  return { schema: options.schema, tables, notes };
}

function namePlan(t: SourceTable, options: TranslateOptions): NamePlan {
  const override = getByName(options.tables, t.name);
  const columns = t.columns
    .filter((c) => getByName(override?.columns, c.name)?.skip !== true)
    .map((c) => ({ source: c.name, name: getByName(override?.columns, c.name)?.rename ?? c.name }));
  if (t.primaryKey.length === 0) columns.unshift({ source: '(rowid)', name: ROWID_COLUMN });
  return { source: t.name, name: override?.rename ?? t.name, columns };
}

interface Built {
  readonly source: SourceTable;
  readonly target: TargetTable;
  readonly columnMap: ColumnMap;
  readonly ctx: TableContext;
  readonly constraintNames: Set<string>;
}

function buildTable(
  t: SourceTable,
  name: string,
  options: TranslateOptions,
  usedRelations: Set<string>,
  referenced: readonly (readonly string[])[],
): Built {
  const override = getByName(options.tables, t.name);
  const spec = getByName(options.partitions, t.name);
  const notes: SchemaNote[] = [];
  const note = (level: SchemaNote['level'], message: string, column?: string): void => {
    notes.push(
      column === undefined ? { level, table: t.name, message } : { level, table: t.name, column, message },
    );
  };
  const columns: TargetColumn[] = [];
  const pgNameOf = new Map<SourceColumn, string>();
  for (const c of t.columns) {
    const o = getByName(override?.columns, c.name);
    if (o?.skip !== true) pgNameOf.set(c, o?.rename ?? c.name);
  }
  const columnMap: ColumnMap = (n) => {
    const c = findByName(t.columns, n, (x) => x.name);
    return c === undefined ? undefined : pgNameOf.get(c);
  };
  const partitioned = spec !== undefined;

  if (t.primaryKey.length === 0) {
    const alias = unshadowedRowidName(t);
    if (alias === undefined) {
      throw new BridgeError(
        'DATA',
        `table ${t.name} has no primary key and columns named rowid, _rowid_ and oid hide its rowid`,
        {
          details: { table: t.name },
          hint: 'Declare a primary key on the table, or skip it in the configuration.',
        },
      );
    }
    columns.push({
      source: { kind: 'rowid', name: alias },
      name: ROWID_COLUMN,
      type: 'bigint',
      declaredType: 'rowid',
      notNull: true,
      default: null,
      identity: !partitioned,
      collation: null,
      timeInput: 'text',
      reason: 'No declared primary key: the SQLite rowid is copied into this synthetic key column.',
    });
    note(
      'warning',
      `no declared primary key: rows are keyed by rowid (copied as ${ROWID_COLUMN}); VACUUM may renumber rowids`,
    );
  }

  for (const c of t.columns) {
    const pgName = pgNameOf.get(c);
    if (pgName === undefined) continue;
    columns.push(buildColumn(t, c, pgName, options, partitioned, columnMap, note));
  }
  const typeOf: TypeOf = (n) => {
    const pg = columnMap(n);
    return columns.find((c) => c.source.kind === 'column' && c.name === pg)?.type;
  };

  const primaryKey = t.primaryKey.length === 0 ? [ROWID_COLUMN] : t.primaryKey.map((c) => columnMap(c)!);
  let partitionColumn: string | null = null;
  if (spec !== undefined) {
    partitionColumn = columnMap(spec.column)!;
    const col = columns.find((c) => c.name === partitionColumn)!;
    if (!isTimeType(col.type)) {
      throw new BridgeError(
        'BAD_CONFIG',
        `partitions.${t.name}.column: ${spec.column} becomes ${col.type}, not timestamp, timestamptz or date`,
        {
          details: { table: t.name, column: spec.column, type: col.type },
        },
      );
    }
    if (!primaryKey.includes(partitionColumn)) {
      primaryKey.push(partitionColumn);
      note('info', `the primary key is extended with the partition column ${partitionColumn}`);
    }
    if (!col.notNull)
      note(
        'warning',
        `partition column ${partitionColumn} is part of the primary key, so it must hold no NULLs`,
        partitionColumn,
      );
  }
  const identity = columns.find((c) => c.identity);
  const identityIndex = columns.findIndex(
    (c) =>
      (c.source.kind === 'rowid' || (t.rowidAlias !== null && c.source.name === t.rowidAlias)) &&
      INTEGER_TYPES.includes(c.type),
  );
  let ownedSequence: string | null = null;
  if (partitioned && identityIndex >= 0) {
    // PostgreSQL before 17 refuses identity columns on partitioned tables: a sequence the column
    // owns gives the application's inserts their default ids instead (set past the max like one).
    const column = columns[identityIndex]!;
    ownedSequence = uniqueName(`${name}_${column.name}_seq`, usedRelations);
    usedRelations.add(ownedSequence);
    columns[identityIndex] = {
      ...column,
      default: `nextval(${quoteLiteral(qualified(options.schema, ownedSequence))}::regclass)`,
    };
    note(
      'info',
      `${column.name} defaults to nextval of sequence ${ownedSequence} (owned by the column): PostgreSQL before 17 refuses identity columns on partitioned tables`,
      column.name,
    );
  }

  const primaryKeyName = uniqueName(`${name}_pkey`, usedRelations);
  const constraintNames = new Set([primaryKeyName]);
  const sourceCollations = sourceKeyCollations(t);
  const keyCollations =
    t.primaryKey.length === 0
      ? []
      : t.primaryKey.map((c, i) =>
          effectiveCollation(sourceCollations[i] ?? 'binary', typeOf(c) ?? 'bigint'),
        );
  const ctx: TableContext = {
    source: t,
    name,
    columnMap,
    typeOf,
    partitionColumn,
    primaryKey,
    keyCollations: primaryKey.map((_c, i) => keyCollations[i] ?? 'binary'),
    referenced,
    notes,
  };
  const indexes = translateIndexes(ctx, usedRelations);
  const checks = translateChecks(ctx, constraintNames);
  const target: TargetTable = {
    source: t.name,
    schema: options.schema,
    name,
    columns,
    primaryKey,
    primaryKeyName,
    key:
      t.primaryKey.length === 0
        ? { kind: 'rowid', alias: (columns[0]!.source as { name: string }).name }
        : {
            kind: 'primary-key',
            columns: t.primaryKey,
            ...(folds(keyCollations) ? { collations: keyCollations } : {}),
          },
    withoutRowid: t.withoutRowid,
    indexes,
    foreignKeys: [],
    checks,
    partitioning:
      spec === undefined
        ? null
        : {
            column: partitionColumn!,
            interval: spec.interval,
            premake: spec.premake ?? DEFAULT_PREMAKE,
            retention: spec.retention ?? null,
          },
    identityColumn: identity?.name ?? (ownedSequence === null ? null : columns[identityIndex]!.name),
    ownedSequence,
    autoincrement: t.autoincrement,
  };
  return { source: t, target, columnMap, ctx, constraintNames };
}

function buildColumn(
  t: SourceTable,
  c: SourceColumn,
  name: string,
  options: TranslateOptions,
  partitioned: boolean,
  columnMap: ColumnMap,
  note: (level: SchemaNote['level'], message: string, column?: string) => void,
): TargetColumn {
  const o = getByName(getByName(options.tables, t.name)?.columns, c.name);
  const rule = defaultTypeRule(c.declaredType, { timestamptz: options.timestamptz, strict: t.strict });
  const type = o?.cast ?? rule.type;
  const isAlias = t.rowidAlias !== null && asciiLower(t.rowidAlias) === asciiLower(c.name);
  const identity = isAlias && INTEGER_TYPES.includes(type) && !partitioned;
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
  let defaultSql: string | null = null;
  if (c.generated !== null) {
    note(
      'warning',
      `generated column ${c.name} AS (${c.generated.expression}) is copied as a plain column holding its values`,
      name,
    );
  } else if (identity) {
    if (c.defaultSql !== null)
      note('warning', `DEFAULT ${c.defaultSql} is dropped: the column is an identity`, name);
  } else {
    const d = translateDefault(
      c.defaultSql,
      type,
      columnMap,
      undefined,
      type === 'jsonb' && rule.variant === true,
    );
    if (d.ok) defaultSql = d.sql;
    else note('warning', `default dropped: ${d.reason}`, name);
  }
  if (c.collation !== null && c.collation.toUpperCase() !== 'BINARY') {
    note(
      'warning',
      `column collation ${c.collation} has no PostgreSQL equivalent: PostgreSQL compares ${options.textCollation === 'C' ? 'bytewise' : `with collation ${options.textCollation ?? 'of the database'}`} in queries and ORDER BY${keyCollation(c.collation) === null ? '' : ' (a primary key or UNIQUE index on it is enforced as SQLite compares, on the folded value)'}`,
      name,
    );
  }
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

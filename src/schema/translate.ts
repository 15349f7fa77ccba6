/**
 * SQLite schema → PostgreSQL schema. The type rules are in `type-rules.ts` (documented there as
 * a table); this module applies them with the configuration's overrides, keeps names exactly as
 * spelled, keys rowid tables by a synthetic column, and notes every decision worth reading.
 * Nothing is created here: name problems throw before any DDL exists.
 */
import type { PartitionSpec, TranslateOptions } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { SourceColumn, SourceSchema, SourceTable } from '../model/source-schema.js';
import type {
  KeyCollation,
  SchemaNote,
  TargetColumn,
  TargetSchema,
  TargetTable,
} from '../model/target-schema.js';
import { qualified } from './ddl.js';
import type { ColumnMap, TypeOf } from './expression.js';
import { effectiveCollation, folds, sourceKeyCollations } from './key-collation.js';
import { asciiLower, findByName, getByName } from './lookup.js';
import { uniqueName } from './names.js';
import { DEFAULT_PREMAKE } from './partition-names.js';
import { quoteLiteral } from './quote.js';
import { checkNames, type NamePlan, unshadowedRowidName, validateOverrides } from './translate-checks.js';
import {
  buildColumn,
  type ColumnContext,
  type ColumnNote,
  INTEGER_TYPES,
  type KeptColumn,
} from './translate-column.js';
import { type TableContext, translateChecks } from './translate-constraints.js';
import { translateForeignKeys } from './translate-foreign-keys.js';
import { translateIndexes } from './translate-indexes.js';
import { isTimeType } from './type-rules.js';

/** Name of the synthetic key column of a table without a declared primary key. */
export const ROWID_COLUMN = '_litebridge_rowid';

/** Translates every table the configuration does not skip. Throws BAD_CONFIG or DATA (see module comment). */
export function translate(source: SourceSchema, options: TranslateOptions): TargetSchema {
  validateOverrides(source, options);
  const notes: SchemaNote[] = [];
  const configs = source.tables.map((t) => tableConfig(t, options));
  const kept = configs.filter((c) => !c.skip);
  for (const c of configs) {
    if (c.skip)
      notes.push({
        level: 'info',
        table: c.table.name,
        message: `table ${c.table.name} is skipped by configuration`,
      });
  }
  checkNames(options.schema, kept.map(namePlan));
  const usedRelations = new Set(kept.map((c) => c.name));
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
  const built = kept.map((c) => buildTable(c, options, usedRelations, referenced(c.table)));
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

/** A table as the configuration shapes it, its overrides looked up once. */
interface TableConfig {
  readonly table: SourceTable;
  /** Skipped by configuration: not translated. */
  readonly skip: boolean;
  /** PostgreSQL table name. */
  readonly name: string;
  /** The columns not skipped, in table order. */
  readonly columns: readonly KeptColumn[];
}

/** The one lookup of a table's overrides (table and columns) in the configuration. */
function tableConfig(t: SourceTable, options: TranslateOptions): TableConfig {
  const override = getByName(options.tables, t.name);
  const columns = t.columns.flatMap((column): KeptColumn[] => {
    const o = getByName(override?.columns, column.name);
    return o?.skip === true ? [] : [{ column, override: o, name: o?.rename ?? column.name }];
  });
  return { table: t, skip: override?.skip === true, name: override?.rename ?? t.name, columns };
}

function namePlan(c: TableConfig): NamePlan {
  const columns = c.columns.map((k) => ({ source: k.column.name, name: k.name }));
  if (c.table.primaryKey.length === 0) columns.unshift({ source: '(rowid)', name: ROWID_COLUMN });
  return { source: c.table.name, name: c.name, columns };
}

interface Built {
  readonly source: SourceTable;
  readonly target: TargetTable;
  readonly columnMap: ColumnMap;
  readonly ctx: TableContext;
  readonly constraintNames: Set<string>;
}

function buildTable(
  config: TableConfig,
  options: TranslateOptions,
  usedRelations: Set<string>,
  referenced: readonly (readonly string[])[],
): Built {
  const { table: t, name } = config;
  const spec = getByName(options.partitions, t.name);
  const notes: SchemaNote[] = [];
  const note = notesOf(t, notes);
  const columnMap = pgColumnNames(config);
  const partitioned = spec !== undefined;
  const columns: TargetColumn[] = t.primaryKey.length === 0 ? [rowidColumn(t, partitioned, note)] : [];
  const columnContext: ColumnContext = { table: t, options, partitioned, columnMap, note };
  for (const kept of config.columns) columns.push(buildColumn(columnContext, kept));
  const typeOf = typesOf(columns, columnMap);
  const primaryKey = t.primaryKey.length === 0 ? [ROWID_COLUMN] : t.primaryKey.map((c) => columnMap(c)!);
  const partitionColumn =
    spec === undefined ? null : partitionKey(t, spec, columnMap, columns, primaryKey, note);
  const identity = columns.find((c) => c.identity);
  const ownedSequence = partitioned
    ? ownSequence(t, name, options.schema, columns, usedRelations, note)
    : null;

  const primaryKeyName = uniqueName(`${name}_pkey`, usedRelations);
  const constraintNames = new Set([primaryKeyName]);
  const keyCollations = effectiveKeyCollations(t, typeOf);
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
    key: tableKey(t, columns, keyCollations),
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
    identityColumn: identity?.name ?? ownedSequence?.column ?? null,
    ownedSequence: ownedSequence?.name ?? null,
    autoincrement: t.autoincrement,
  };
  return { source: t, target, columnMap, ctx, constraintNames };
}

/** Records notes about table `t` into `notes`. */
function notesOf(t: SourceTable, notes: SchemaNote[]): ColumnNote {
  return (level, message, column) => {
    notes.push(
      column === undefined ? { level, table: t.name, message } : { level, table: t.name, column, message },
    );
  };
}

/** SQLite column name (as any statement may spell it) → PostgreSQL name of the kept column. */
function pgColumnNames(config: TableConfig): ColumnMap {
  const pgNameOf = new Map<SourceColumn, string>(config.columns.map((k) => [k.column, k.name]));
  return (n) => {
    const c = findByName(config.table.columns, n, (x) => x.name);
    return c === undefined ? undefined : pgNameOf.get(c);
  };
}

/** SQLite column name → PostgreSQL type of the kept column. */
function typesOf(columns: readonly TargetColumn[], columnMap: ColumnMap): TypeOf {
  return (n) => {
    const pg = columnMap(n);
    return columns.find((c) => c.source.kind === 'column' && c.name === pg)?.type;
  };
}

/** How SQLite identifies the table's rows: its declared primary key, or its rowid. */
function tableKey(
  t: SourceTable,
  columns: readonly TargetColumn[],
  keyCollations: readonly KeyCollation[],
): TargetTable['key'] {
  return t.primaryKey.length === 0
    ? { kind: 'rowid', alias: (columns[0]!.source as { name: string }).name }
    : {
        kind: 'primary-key',
        columns: t.primaryKey,
        ...(folds(keyCollations) ? { collations: keyCollations } : {}),
      };
}

/** The synthetic key column of a table without a declared primary key (the rowid, copied). */
function rowidColumn(t: SourceTable, partitioned: boolean, note: ColumnNote): TargetColumn {
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
  note(
    'warning',
    `no declared primary key: rows are keyed by rowid (copied as ${ROWID_COLUMN}); VACUUM may renumber rowids`,
  );
  return {
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
  };
}

/**
 * The PostgreSQL name of the partition column, which must become a date/time type; it is added
 * to `primaryKey` (PostgreSQL wants it in every unique key of a partitioned table).
 */
function partitionKey(
  t: SourceTable,
  spec: PartitionSpec,
  columnMap: ColumnMap,
  columns: readonly TargetColumn[],
  primaryKey: string[],
  note: ColumnNote,
): string {
  const partitionColumn = columnMap(spec.column)!;
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
  return partitionColumn;
}

/**
 * PostgreSQL before 17 refuses identity columns on partitioned tables: a sequence the rowid
 * column owns gives the application's inserts their default ids instead (set past the max like
 * one). Replaces that column in `columns` with one defaulting to the sequence; null without one.
 */
function ownSequence(
  t: SourceTable,
  name: string,
  schema: string,
  columns: TargetColumn[],
  usedRelations: Set<string>,
  note: ColumnNote,
): { readonly name: string; readonly column: string } | null {
  const index = columns.findIndex(
    (c) =>
      (c.source.kind === 'rowid' || (t.rowidAlias !== null && c.source.name === t.rowidAlias)) &&
      INTEGER_TYPES.includes(c.type),
  );
  if (index < 0) return null;
  const column = columns[index]!;
  const sequence = uniqueName(`${name}_${column.name}_seq`, usedRelations);
  usedRelations.add(sequence);
  columns[index] = {
    ...column,
    default: `nextval(${quoteLiteral(qualified(schema, sequence))}::regclass)`,
  };
  note(
    'info',
    `${column.name} defaults to nextval of sequence ${sequence} (owned by the column): PostgreSQL before 17 refuses identity columns on partitioned tables`,
    column.name,
  );
  return { name: sequence, column: column.name };
}

/** How SQLite compares each declared primary key column, as it matters once in PostgreSQL. */
function effectiveKeyCollations(t: SourceTable, typeOf: TypeOf): KeyCollation[] {
  const sourceCollations = sourceKeyCollations(t);
  return t.primaryKey.map((c, i) =>
    effectiveCollation(sourceCollations[i] ?? 'binary', typeOf(c) ?? 'bigint'),
  );
}

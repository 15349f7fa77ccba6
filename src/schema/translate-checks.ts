/**
 * Checks that run before anything is decided: overrides must name things that exist, and the
 * PostgreSQL names must be usable (≤ 63 UTF-8 bytes, no two alike). Both throw with every
 * offender listed, before any DDL is rendered.
 */
import type { PartitionSpec, TranslateOptions } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { SourceSchema, SourceTable } from '../model/source-schema.js';
import { asciiLower, findByName, getByName } from './lookup.js';
import { MAX_IDENTIFIER_BYTES, pgTruncated, utf8Length } from './names.js';

/** Throws BAD_CONFIG naming every override or partition that names a missing table or column. */
export function validateOverrides(source: SourceSchema, options: TranslateOptions): void {
  const problems: string[] = [];
  const tableOf = (name: string): SourceTable | undefined => findByName(source.tables, name, (t) => t.name);
  for (const [tableName, override] of Object.entries(options.tables)) {
    const table = tableOf(tableName);
    if (table === undefined) {
      problems.push(`tables.${tableName}: no table ${JSON.stringify(tableName)} in the SQLite file`);
      continue;
    }
    for (const [columnName, col] of Object.entries(override.columns ?? {})) {
      const column = findByName(table.columns, columnName, (c) => c.name);
      if (column === undefined) {
        problems.push(
          `tables.${tableName}.columns.${columnName}: table ${JSON.stringify(table.name)} has no column ${JSON.stringify(columnName)}`,
        );
      } else if (col.skip === true && override.skip !== true && column.pkPosition > 0) {
        problems.push(`tables.${tableName}.columns.${columnName}: a primary key column cannot be skipped`);
      }
    }
  }
  for (const [tableName, spec] of Object.entries(options.partitions)) {
    const table = tableOf(tableName);
    if (table === undefined)
      problems.push(`partitions.${tableName}: no table ${JSON.stringify(tableName)} in the SQLite file`);
    else problems.push(...partitionProblems(table, tableName, spec, options));
  }
  if (problems.length > 0) {
    throw new BridgeError(
      'BAD_CONFIG',
      `the configuration names what the SQLite file does not have:\n  ${problems.join('\n  ')}`,
      {
        details: { problems },
        hint: 'Fix the names in the configuration file (run `litebridge plan` to see the tables and columns).',
      },
    );
  }
}

function partitionProblems(
  table: SourceTable,
  key: string,
  spec: PartitionSpec,
  options: TranslateOptions,
): string[] {
  const override = getByName(options.tables, table.name);
  if (override?.skip === true) return [`partitions.${key}: table ${JSON.stringify(table.name)} is skipped`];
  if (!['day', 'week', 'month'].includes(spec.interval))
    return [`partitions.${key}.interval: must be day, week or month`];
  const column = findByName(table.columns, spec.column, (c) => c.name);
  if (column === undefined)
    return [
      `partitions.${key}.column: table ${JSON.stringify(table.name)} has no column ${JSON.stringify(spec.column)}`,
    ];
  if (getByName(override?.columns, column.name)?.skip === true)
    return [`partitions.${key}.column: column ${JSON.stringify(column.name)} is skipped`];
  return [];
}

/** One table's PostgreSQL name and its columns' PostgreSQL names, for the name check. */
export interface NamePlan {
  readonly source: string;
  readonly name: string;
  readonly columns: readonly { readonly source: string; readonly name: string }[];
}

/**
 * Throws DATA naming every table or column whose PostgreSQL name is empty, longer than 63 UTF-8
 * bytes, or equal (after PostgreSQL's truncation) to another one in the same scope.
 */
export function checkNames(schema: string, plans: readonly NamePlan[]): void {
  const offenders: string[] = [];
  const check = (what: string, name: string): void => {
    if (name === '') offenders.push(`${what}: PostgreSQL does not allow an empty name`);
    else if (name.includes('\0')) offenders.push(`${what}: the name contains a NUL character`);
    else if (utf8Length(name) > MAX_IDENTIFIER_BYTES) {
      offenders.push(
        `${what}: ${JSON.stringify(name)} is ${utf8Length(name)} bytes, PostgreSQL keeps ${MAX_IDENTIFIER_BYTES}`,
      );
    }
  };
  check('schema', schema);
  collisions(
    plans.map((p) => ({ source: p.source, name: p.name })),
    'tables',
    offenders,
  );
  for (const plan of plans) {
    check(`table ${JSON.stringify(plan.source)}`, plan.name);
    for (const c of plan.columns)
      check(`column ${JSON.stringify(plan.source)}.${JSON.stringify(c.source)}`, c.name);
    collisions(plan.columns, `columns of table ${JSON.stringify(plan.source)}`, offenders);
  }
  if (offenders.length > 0) {
    throw new BridgeError('DATA', `PostgreSQL cannot take these names:\n  ${offenders.join('\n  ')}`, {
      details: { offenders },
      hint: 'Rename them with `rename` overrides in the configuration file.',
    });
  }
}

function collisions(
  items: readonly { source: string; name: string }[],
  scope: string,
  offenders: string[],
): void {
  const byName = new Map<string, string[]>();
  for (const item of items) {
    const key = pgTruncated(item.name);
    byName.set(key, [...(byName.get(key) ?? []), item.source]);
  }
  for (const [name, sources] of byName) {
    if (sources.length > 1) {
      offenders.push(
        `${scope}: ${sources.map((s) => JSON.stringify(s)).join(', ')} would all be named ${JSON.stringify(name)}`,
      );
    }
  }
}

/** The first of rowid, _rowid_, oid that no real column shadows, or undefined. */
export function unshadowedRowidName(table: SourceTable): string | undefined {
  return ['rowid', '_rowid_', 'oid'].find((n) => !table.columns.some((c) => asciiLower(c.name) === n));
}

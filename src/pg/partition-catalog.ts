/**
 * What PostgreSQL's catalog says about one range-partitioned table: its partitions and their
 * bounds, its DEFAULT partition and the rows there, and the last maintenance pass recorded for it.
 * Read-only; `partition-maintenance.ts` changes partitions.
 */
import { fromPgError } from '../errors.js';
import { qualified } from '../schema/ddl.js';
import { quoteIdent } from '../schema/quote.js';
import type { Queryable } from './metadata.js';

/** One range partition: `[from, to)`, null for MINVALUE / MAXVALUE. */
export interface RangePartition {
  readonly name: string;
  readonly from: Date | null;
  readonly to: Date | null;
}

/** A partitioned table's partitions as the catalog holds them. */
export interface PartitionLayout {
  /** Range partitions, ordered by their lower bound. */
  readonly ranges: readonly RangePartition[];
  /** Name of the DEFAULT partition, or null when there is none. */
  readonly defaultName: string | null;
}

/** The table's partitions, or null when it does not exist or is not partitioned. */
export async function readPartitionLayout(
  db: Queryable,
  schema: string,
  table: string,
): Promise<PartitionLayout | null> {
  try {
    const parent = await db.query<{ partitioned: boolean }>(
      `SELECT EXISTS (SELECT FROM pg_partitioned_table WHERE partrelid = to_regclass($1)) AS partitioned`,
      [qualified(schema, table)],
    );
    if (parent.rows[0]?.partitioned !== true) return null;
    const result = await db.query<{ name: string; bound: string }>(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = to_regclass($1)`,
      [qualified(schema, table)],
    );
    let defaultName: string | null = null;
    const ranges: RangePartition[] = [];
    for (const row of result.rows) {
      if (row.bound === 'DEFAULT') {
        defaultName = row.name;
        continue;
      }
      const match = /FROM \((.+)\) TO \((.+)\)$/.exec(row.bound);
      if (match === null) continue;
      ranges.push({ name: row.name, from: parseBound(match[1]!), to: parseBound(match[2]!) });
    }
    ranges.sort((a, b) => (a.from?.getTime() ?? -Infinity) - (b.from?.getTime() ?? -Infinity));
    return { ranges, defaultName };
  } catch (error) {
    throw fromPgError(error, `cannot read the partitions of table "${table}"`);
  }
}

/**
 * A bound as `pg_get_expr` prints it in a UTC session: `'2025-07-23'`, `'2025-07-23 00:00:00'`
 * or `'2025-07-23 00:00:00+00'`; MINVALUE and MAXVALUE give null.
 */
export function parseBound(text: string): Date | null {
  const match = /^'(\d{4}-\d\d-\d\d)(?: (\d\d:\d\d:\d\d(?:\.\d+)?))?([+-]\d\d(?::?\d\d)?)?'$/.exec(
    text.trim(),
  );
  if (match === null) return null;
  const offset = match[3] === undefined ? 'Z' : match[3].length === 3 ? `${match[3]}:00` : match[3];
  const at = new Date(`${match[1]}T${match[2] ?? '00:00:00'}${offset}`);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Where the partitions leave a hole: the first partition's lower bound that is not the previous one's upper bound. */
export function firstGap(ranges: readonly RangePartition[]): Date | null {
  for (let i = 1; i < ranges.length; i++) {
    const before = ranges[i - 1]!.to;
    const after = ranges[i]!.from;
    if (before === null || after === null || before.getTime() !== after.getTime()) return before ?? after;
  }
  return null;
}

/** Rows in a DEFAULT partition: all of them, and those inside `[from, to)` (none when the range is null). */
export interface DefaultRows {
  readonly total: number;
  readonly inRange: number;
}

/** Counts the rows of the DEFAULT partition, and those of them inside `[from, to)`. */
export async function countDefaultRows(
  db: Queryable,
  schema: string,
  defaultName: string,
  column: string,
  range: { readonly from: string; readonly to: string } | null,
): Promise<DefaultRows> {
  const col = quoteIdent(column);
  const inRange =
    range === null ? '0' : `count(*) FILTER (WHERE ${col} >= ${range.from} AND ${col} < ${range.to})`;
  try {
    const result = await db.query<{ total: string; in_range: string }>(
      `SELECT count(*) AS total, ${inRange} AS in_range FROM ONLY ${qualified(schema, defaultName)}`,
    );
    return { total: Number(result.rows[0]!.total), inRange: Number(result.rows[0]!.in_range) };
  } catch (error) {
    throw fromPgError(error, `cannot count the rows of partition "${defaultName}"`);
  }
}

/** The last maintenance pass recorded for a table. */
export interface MaintenanceRun {
  readonly at: Date;
  readonly created: number;
  readonly moved: number;
  readonly detached: number;
  /** The error that stopped the pass, or null. */
  readonly error: string | null;
}

/** The last maintenance pass on `schema.table`, or null when none was recorded. */
export async function readLastMaintenance(
  db: Queryable,
  schema: string,
  table: string,
): Promise<MaintenanceRun | null> {
  const exists = await db.query<{ ok: boolean }>(
    `SELECT to_regclass('litebridge.partition_maintenance') IS NOT NULL AS ok`,
  );
  if (exists.rows[0]?.ok !== true) return null;
  const result = await db.query<{
    ran_at: Date;
    created: number;
    moved: string;
    detached: number;
    error: string | null;
  }>(
    `SELECT ran_at, created, moved, detached, error FROM litebridge.partition_maintenance
      WHERE schema_name = $1 AND table_name = $2`,
    [schema, table],
  );
  const row = result.rows[0];
  if (row === undefined) return null;
  return {
    at: row.ran_at,
    created: row.created,
    moved: Number(row.moved),
    detached: row.detached,
    error: row.error,
  };
}

/** The newest partition-column value in DEFAULT below `below` (a literal), or null. */
export async function newestDefaultValue(
  db: Queryable,
  schema: string,
  defaultName: string,
  column: string,
  below: string,
): Promise<Date | null> {
  const col = quoteIdent(column);
  const result = await db.query<{ newest: string | null }>(
    `SELECT max(${col})::text AS newest FROM ONLY ${qualified(schema, defaultName)} WHERE ${col} < ${below}`,
  );
  const newest = result.rows[0]?.newest ?? null;
  return newest === null ? null : parseBound(`'${newest}'`);
}

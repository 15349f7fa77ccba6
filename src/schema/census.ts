/**
 * The census: one aggregate pass over a SQLite table that counts, per column, the storage
 * classes found and the values the chosen PostgreSQL type cannot take as they are. `plan`
 * prints it next to each decision so surprises show up before the copy, not during it.
 */
import type Database from 'better-sqlite3';
import { fromSqliteError } from '../errors.js';
import type { SourceTable } from '../model/source-schema.js';
import type { SqlValue, StorageClass } from '../model/sql-value.js';
import type { TargetColumn, TargetTable } from '../model/target-schema.js';
import { quoteIdent } from './quote.js';
import { isNumericType, isTimeType } from './type-rules.js';

/** What a finding is about. */
export type FindingKind =
  | 'text-in-number'
  | 'blob-in-number'
  | 'fraction-in-integer'
  | 'integer-beyond-2^53'
  | 'blob-in-text'
  | 'number-in-text'
  | 'nul-in-text'
  | 'invalid-json'
  | 'infinity-in-json'
  | 'text-in-bytea'
  | 'not-boolean'
  | 'number-in-time'
  | 'text-not-date'
  | 'blob-in-time'
  | 'null-in-primary-key';

/** Something the census found in a column. `error`: the copy will refuse these values as they are. */
export interface CensusFinding {
  readonly kind: FindingKind;
  readonly count: number;
  readonly level: 'info' | 'warning' | 'error';
  readonly message: string;
}

/** One column's census. */
export interface ColumnCensus {
  /** PostgreSQL column name. */
  readonly column: string;
  /** SQLite column name. */
  readonly sourceColumn: string;
  /** Values per storage class, as `typeof()` names them. */
  readonly counts: Readonly<Record<StorageClass, number>>;
  readonly findings: readonly CensusFinding[];
}

/** One table's census. */
export interface TableCensus {
  /** SQLite table name. */
  readonly table: string;
  readonly rows: number;
  readonly columns: readonly ColumnCensus[];
  /** min and max of the partition column (SQLite ordering), or null when not partitioned. */
  readonly partitionRange: { readonly min: SqlValue; readonly max: SqlValue } | null;
}

const TWO_53 = '9007199254740992';
const DATE_GLOB = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'";
const DATETIME_GLOB = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]*'";

/** The aggregates computed for a column of this target type, by name. */
function aggregates(q: string, col: TargetColumn): [string, string][] {
  const aggs: [string, string][] = [
    ['integer', `typeof(${q}) = 'integer'`],
    ['real', `typeof(${q}) = 'real'`],
    ['text', `typeof(${q}) = 'text'`],
    ['blob', `typeof(${q}) = 'blob'`],
    ['null', `${q} IS NULL`],
    ['nul', `typeof(${q}) = 'text' AND instr(${q}, char(0)) > 0`],
    ['big', `typeof(${q}) = 'integer' AND (${q} > ${TWO_53} OR ${q} < -${TWO_53})`],
  ];
  if (col.type === 'bigint' || col.type === 'integer' || col.type === 'smallint') {
    aggs.push(['fraction', `typeof(${q}) = 'real' AND ${q} <> CAST(${q} AS INTEGER)`]);
  }
  if (col.type === 'boolean') aggs.push(['zeroOne', `typeof(${q}) = 'integer' AND ${q} IN (0, 1)`]);
  if (isTimeType(col.type)) {
    aggs.push([
      'notDate',
      `typeof(${q}) = 'text' AND NOT (${q} GLOB ${DATE_GLOB} OR ${q} GLOB ${DATETIME_GLOB})`,
    ]);
  }
  if (col.type === 'jsonb' && col.variant !== true) {
    aggs.push(['badJson', `typeof(${q}) = 'text' AND NOT json_valid(${q})`]);
    aggs.push(['infinite', `typeof(${q}) = 'real' AND abs(${q}) > 1.7976931348623157e308`]);
  }
  return aggs;
}

/** Counts, in ONE SELECT over the table, what `plan` reports for each copied column. */
export function takeCensus(db: Database.Database, table: SourceTable, target: TargetTable): TableCensus {
  const columns = target.columns.filter((c) => c.source.kind === 'column');
  const plans = columns.map((c) => aggregates(quoteIdent(c.source.name), c));
  const select = plans.map(
    (aggs, i) => `json_array(${aggs.map(([, cond]) => `sum(${cond})`).join(', ')}) AS c${i}`,
  );
  const partition =
    target.partitioning === null ? undefined : columns.find((c) => c.name === target.partitioning!.column);
  if (partition !== undefined) {
    const q = quoteIdent(partition.source.name);
    select.push(`min(${q}) AS pmin`, `max(${q}) AS pmax`);
  }
  const sql = `SELECT count(*) AS n${select.map((s) => ', ' + s).join('')} FROM main.${quoteIdent(table.name)}`;
  let row: Record<string, SqlValue>;
  try {
    row = db.prepare(sql).safeIntegers(true).get() as Record<string, SqlValue>;
  } catch (error) {
    throw fromSqliteError(error, `census of table ${table.name}`);
  }
  const rows = Number(row.n);
  const key = new Set(target.key.kind === 'primary-key' ? target.key.columns : []);
  return {
    table: table.name,
    rows,
    columns: columns.map((c, i) => {
      const values = JSON.parse(String(row[`c${i}`])) as (number | null)[];
      const v: Record<string, number> = {};
      plans[i]!.forEach(([name], k) => {
        v[name] = values[k] ?? 0;
      });
      const counts = { integer: v.integer!, real: v.real!, text: v.text!, blob: v.blob!, null: v.null! };
      return {
        column: c.name,
        sourceColumn: c.source.name,
        counts,
        findings: findings(c, v, key.has(c.source.name) || target.primaryKey.includes(c.name)),
      };
    }),
    partitionRange: partition === undefined ? null : { min: row.pmin ?? null, max: row.pmax ?? null },
  };
}

function findings(c: TargetColumn, v: Readonly<Record<string, number>>, inKey: boolean): CensusFinding[] {
  const out: CensusFinding[] = [];
  const add = (
    kind: FindingKind,
    count: number | undefined,
    level: CensusFinding['level'],
    message: string,
  ): void => {
    if (count !== undefined && count > 0) out.push({ kind, count, level, message: `${count} ${message}` });
  };
  const t = c.type;
  if (inKey)
    add(
      'null-in-primary-key',
      v.null,
      'error',
      'NULLs in a primary key column (SQLite allows them, PostgreSQL does not)',
    );
  if (isNumericType(t)) {
    add('text-in-number', v.text, 'error', `text values in a ${t} column`);
    add('blob-in-number', v.blob, 'error', `BLOBs in a ${t} column`);
    add('fraction-in-integer', v.fraction, 'error', `non-integer REALs in a ${t} column`);
    const floats = t === 'double precision' || t === 'real';
    add(
      'integer-beyond-2^53',
      v.big,
      floats ? 'warning' : 'info',
      floats
        ? 'integers beyond ±2^53 lose digits as floats'
        : 'integers beyond ±2^53 (exact here; JavaScript clients need BigInt)',
    );
  } else if (t === 'jsonb' && c.variant === true) {
    // A variant keeps every storage class; only text holding U+0000 is refused (below).
  } else if (t === 'text' || t === 'jsonb') {
    add('blob-in-text', v.blob, 'error', `BLOBs in a ${t} column (they would not come back as BLOBs)`);
    if (t === 'text')
      add(
        'number-in-text',
        (v.integer ?? 0) + (v.real ?? 0),
        'info',
        'numbers stored in a text column (copied as their shortest digits)',
      );
    add('invalid-json', v.badJson, 'error', 'text values that are not valid JSON');
    add('infinity-in-json', v.infinite, 'error', 'infinite REALs (±Inf is not a JSON number)');
  } else if (t === 'bytea') {
    add('text-in-bytea', v.text, 'error', 'text values in a bytea column (they would come back as BLOBs)');
    add('text-in-bytea', (v.integer ?? 0) + (v.real ?? 0), 'error', 'numbers in a bytea column');
  } else if (t === 'boolean') {
    const nonNull = (v.integer ?? 0) + (v.real ?? 0) + (v.text ?? 0) + (v.blob ?? 0);
    add(
      'not-boolean',
      nonNull - (v.zeroOne ?? 0),
      'error',
      'values other than the integers 0 and 1 in a boolean column (boolean gives back 0/1 only)',
    );
  } else if (isTimeType(t)) {
    const numbers = (v.integer ?? 0) + (v.real ?? 0);
    if (c.timeInput === 'text')
      add(
        'number-in-time',
        numbers,
        'error',
        `numbers (epoch values?) in a ${t} column; set timeInput to read them`,
      );
    else add('number-in-time', numbers, 'info', `numbers in a ${t} column, read as ${c.timeInput}`);
    add('text-not-date', v.notDate, 'error', 'texts that do not look like YYYY-MM-DD or YYYY-MM-DD HH:MM…');
    add('blob-in-time', v.blob, 'error', `BLOBs in a ${t} column`);
  }
  if (t === 'text' || t === 'jsonb' || isTimeType(t))
    add('nul-in-text', v.nul, 'error', 'texts containing a NUL character (PostgreSQL text cannot hold it)');
  return out;
}

/**
 * Compares one query's results from both engines: column names apart, rows by position through
 * result-cells. Without a top-level ORDER BY the rows are a multiset; with one they are compared
 * in order, rows that tie on the ORDER BY terms as multisets. LIMIT without a total order is
 * nondeterministic, not a difference: the last rows kept may be any of those that tie.
 */
import type { SqlValue } from '../model/sql-value.js';
import {
  type Cell,
  type CellType,
  compareRows,
  pgCell,
  sameCell,
  sameRow,
  sqliteCell,
} from './result-cells.js';
import type { StatementShape } from './statement-shape.js';

/** One engine's answer: column names and rows (SQLite values, or PostgreSQL's text). */
export interface SqliteResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly SqlValue[])[];
}

/** PostgreSQL's answer: column names, their type OIDs, rows as text. */
export interface PgResult {
  readonly columns: readonly string[];
  readonly types: readonly number[];
  readonly rows: readonly (readonly (string | null)[])[];
}

/** How the results compare. */
export interface ResultComparison {
  readonly status: 'same' | 'differs' | 'nondeterministic';
  /** Column names differ (the application reads by name). */
  readonly columnsDiffer: boolean;
  /** Why, in one sentence, when not the same. */
  readonly reason: string | null;
  /** The first differing rows, both sides (at most a few); for nondeterministic, the tied rows. */
  readonly sqliteRows: readonly (readonly SqlValue[])[];
  readonly postgresRows: readonly (readonly (string | null)[])[];
}

/** Rows shown for a difference, each side. */
const SHOWN = 5;

interface Row {
  readonly cells: readonly Cell[];
  readonly index: number;
}

/** Compares `sqlite` and `pg` for a query of the given shape (null: unknown, multiset). */
export function compareResults(
  sqlite: SqliteResult,
  pg: PgResult,
  shape: StatementShape | null,
  types: readonly CellType[],
  pastLimit: readonly SqlValue[] | null = null,
): ResultComparison {
  const columnsDiffer =
    sqlite.columns.length !== pg.columns.length || sqlite.columns.some((c, i) => c !== pg.columns[i]);
  const s: Row[] = sqlite.rows.map((r, index) => ({
    index,
    cells: r.map((v, i) => sqliteCell(types[i] ?? null, v)),
  }));
  const p: Row[] = pg.rows.map((r, index) => ({
    index,
    cells: r.map((v, i) => pgCell(types[i] ?? null, v)),
  }));
  const result = (
    status: ResultComparison['status'],
    reason: string | null,
    sIdx: readonly number[] = [],
    pIdx: readonly number[] = [],
  ): ResultComparison => ({
    status: columnsDiffer && status === 'same' ? 'differs' : status,
    columnsDiffer,
    reason:
      columnsDiffer && reason === null
        ? `column names differ: SQLite ${JSON.stringify(sqlite.columns)}, PostgreSQL ${JSON.stringify(pg.columns)}`
        : reason,
    sqliteRows: sIdx.slice(0, SHOWN).map((i) => sqlite.rows[i]!),
    postgresRows: pIdx.slice(0, SHOWN).map((i) => pg.rows[i]!),
  });
  if (sqlite.columns.length !== pg.columns.length) {
    return result(
      'differs',
      `SQLite returns ${sqlite.columns.length} columns, PostgreSQL ${pg.columns.length}`,
    );
  }
  const orderBy = shape?.orderBy ?? [];
  const limited = shape?.limited ?? false;
  if (orderBy.length === 0) {
    const diff = multisetDiff(s, p);
    if (limited) {
      return result('nondeterministic', 'LIMIT without ORDER BY: any rows may be kept', diff.s, diff.p);
    }
    if (diff.s.length === 0 && diff.p.length === 0) return result('same', null);
    return result(
      'differs',
      rowCountReason(s, p, 'rows differ (compared as a multiset: no ORDER BY)'),
      diff.s,
      diff.p,
    );
  }
  const keyColumns = orderBy.map((t) => t.column);
  if (keyColumns.some((c) => c === null)) {
    // Ties cannot be told: equal in order is the same; equal as a multiset only may be ties.
    if (s.length === p.length && s.every((r, i) => sameRow(r.cells, p[i]!.cells)))
      return result('same', null);
    const diff = multisetDiff(s, p);
    const why = 'ORDER BY terms that are not output columns: rows that tie on them may come in any order';
    if (limited || (diff.s.length === 0 && diff.p.length === 0))
      return result('nondeterministic', why, diff.s, diff.p);
    return result('differs', rowCountReason(s, p, 'rows differ'), diff.s, diff.p);
  }
  const keys = keyColumns as number[];
  // SQLite's row just past the LIMIT ties with its last row kept: which of them stay is arbitrary.
  const lastKept = s.at(-1);
  const tiedAtLimit =
    limited &&
    pastLimit !== null &&
    lastKept !== undefined &&
    keys.every((k) => sameCell(lastKept.cells[k]!, sqliteCell(types[k] ?? null, pastLimit[k] ?? null)));
  const sg = tieGroups(s, keys);
  const pg2 = tieGroups(p, keys);
  for (let g = 0; g < Math.max(sg.length, pg2.length); g++) {
    const a = sg[g];
    const b = pg2[g];
    const last = g === sg.length - 1 || g === pg2.length - 1;
    if (a === undefined || b === undefined) {
      const from = (groups: Row[][]) =>
        groups
          .slice(g)
          .flat()
          .map((r) => r.index);
      return result(
        'differs',
        rowCountReason(s, p, `rows differ from position ${position(sg, g) + 1}`),
        from(sg),
        from(pg2),
      );
    }
    const sameKey = keys.every((k) => sameCell(a[0]!.cells[k]!, b[0]!.cells[k]!));
    const diff = multisetDiff(a, b);
    const bothLast = g === sg.length - 1 && g === pg2.length - 1;
    if (sameKey && diff.s.length === 0 && diff.p.length === 0 && !(tiedAtLimit && bothLast)) continue;
    if (tiedAtLimit && last && sameKey && bothLast) {
      return result(
        'nondeterministic',
        `LIMIT cuts through rows that tie on ORDER BY ${orderBy.map((t) => t.text).join(', ')}: either engine may keep any of them`,
        a.map((r) => r.index),
        b.map((r) => r.index),
      );
    }
    return result(
      'differs',
      `rows differ in order from position ${position(sg, g) + 1} (ORDER BY ${orderBy.map((t) => t.text).join(', ')})`,
      [...a, ...(sg[g + 1] ?? [])].map((r) => r.index),
      [...b, ...(pg2[g + 1] ?? [])].map((r) => r.index),
    );
  }
  return result('same', null);
}

function position(groups: readonly Row[][], g: number): number {
  return groups.slice(0, g).reduce((n, x) => n + x.length, 0);
}

function rowCountReason(s: readonly Row[], p: readonly Row[], what: string): string {
  return s.length === p.length ? what : `${what}: SQLite returns ${s.length} rows, PostgreSQL ${p.length}`;
}

/** Consecutive rows with the same ORDER BY key cells. */
function tieGroups(rows: readonly Row[], keys: readonly number[]): Row[][] {
  const groups: Row[][] = [];
  for (const row of rows) {
    const group = groups.at(-1);
    if (group !== undefined && keys.every((k) => sameCell(group[0]!.cells[k]!, row.cells[k]!)))
      group.push(row);
    else groups.push([row]);
  }
  return groups;
}

/** Indexes of the rows of each side that the other side lacks (multiset difference). */
function multisetDiff(s: readonly Row[], p: readonly Row[]): { s: number[]; p: number[] } {
  const a = [...s].sort((x, y) => compareRows(x.cells, y.cells));
  const b = [...p].sort((x, y) => compareRows(x.cells, y.cells));
  const onlyS: number[] = [];
  const onlyP: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && sameRow(a[i]!.cells, b[j]!.cells)) {
      i++;
      j++;
    } else if (j >= b.length || (i < a.length && compareRows(a[i]!.cells, b[j]!.cells) < 0)) {
      onlyS.push(a[i++]!.index);
    } else {
      onlyP.push(b[j++]!.index);
    }
  }
  return { s: onlyS.sort((x, y) => x - y), p: onlyP.sort((x, y) => x - y) };
}

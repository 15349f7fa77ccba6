import { defer, from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import type { CopyProgress } from '../log/progress.js';
import type { SchemaNote, TargetTable } from '../model/target-schema.js';
import type { PgPool } from '../pg/pool.js';
import { buildTableKeys } from '../pg/post-data.js';
import type { KeyRange, TableReader } from '../sqlite/snapshot-read.js';
import { type CopyTableResult, PAGE_BYTES, PAGE_ROWS } from './copy-table.js';

/**
 * A large table is cut into key ranges of about this many rows (at most RANGES_PER_STREAM ×
 * `parallel` of them), so the copy's last range is short and the streams finish together.
 */
export const ROWS_PER_RANGE = 100_000;
const RANGES_PER_STREAM = 4;
/** Tables of at most this many rows are copied before the large ones. */
const SMALL_TABLE_ROWS = 10_000;

interface Job {
  readonly table: number;
  readonly reader: TableReader;
  readonly range: KeyRange;
  /** Rows of this piece (estimated: the table's rows over its pieces). */
  readonly rows: number;
  readonly tableRows: number;
}

/** A table's parts still running, and what its finished parts copied. */
interface TableState {
  remaining: number;
  started: number | null;
  rows: number;
  rejected: number;
}

/** Copies one key range of one table, `pageRows` rows per page: in this thread, or on a copy worker. */
export type RangeCopier = (
  table: number,
  reader: TableReader,
  range: KeyRange,
  pageRows: number,
) => Promise<CopyTableResult>;

export interface CopyAllOptions {
  /** Builds the keys and indexes of each table once its last range is copied. */
  readonly pool: PgPool;
  readonly progress: CopyProgress;
  readonly copy: RangeCopier;
  /** SQLite's sqlite_sequence values (AUTOINCREMENT high-water marks) by table name. */
  readonly autoincrement: ReadonlyMap<string, bigint>;
  /** Rows per key range (ROWS_PER_RANGE unless a test wants small tables cut). */
  readonly rowsPerRange: number;
  /** Runs in the table's stream once its keys are built (the snapshot's foreign keys). */
  readonly tableKeyed?: (target: TargetTable) => Promise<void>;
}

export interface CopyAllResult {
  readonly tables: readonly CopyTableResult[];
  readonly notes: readonly SchemaNote[];
}

/**
 * Copies every table with at most `parallel` COPY streams at once. A large table is cut into
 * key ranges copied by several streams (one PostgreSQL backend parses each), all read through
 * the same SQLite read transaction; small tables go first, then the largest pieces. When a
 * table's last piece ends, its primary key, indexes and checks are built while the other tables
 * still copy, then `tableKeyed` runs for it.
 */
export async function copyAll(
  readers: readonly TableReader[],
  parallel: number,
  options: CopyAllOptions,
): Promise<CopyAllResult> {
  const jobs: Job[] = readers.flatMap((reader, table) => {
    const rows = reader.count();
    options.progress.plan(reader.target.source, rows);
    const parts = Math.max(
      1,
      Math.min(parallel * RANGES_PER_STREAM, Math.floor(rows / options.rowsPerRange)),
    );
    const ranges = reader.split(parts);
    return ranges.map((range) => ({ table, reader, range, rows: rows / ranges.length, tableRows: rows }));
  });
  // Small tables first (lookup tables, the parents of most foreign keys: their keys are in place
  // when a large table's foreign keys are counted, during the copy), then the largest pieces.
  const small = (job: Job): number => (job.tableRows > SMALL_TABLE_ROWS ? 1 : 0);
  jobs.sort((a, b) => small(a) - small(b) || b.rows - a.rows);
  const state = new Map<TableReader, TableState>(
    readers.map((r) => [
      r,
      { remaining: jobs.filter((j) => j.reader === r).length, started: null, rows: 0, rejected: 0 },
    ]),
  );
  const notes: SchemaNote[] = [];

  const run = async (job: Job): Promise<CopyTableResult | null> => {
    const table = state.get(job.reader)!;
    if (table.started === null) {
      table.started = Date.now();
      options.progress.start(job.reader.target.source, job.tableRows);
    }
    // Decided when the table's first range starts (the reader keeps it), while others copy.
    const pageRows = job.reader.pageRows(PAGE_ROWS, PAGE_BYTES);
    const part = await options.copy(job.table, job.reader, job.range, pageRows);
    table.rows += part.rows;
    table.rejected += part.rejected;
    table.remaining -= 1;
    if (table.remaining > 0) return null;
    const ms = Date.now() - table.started;
    options.progress.finish(job.reader.target.source);
    const target = job.reader.target;
    notes.push(
      ...(await buildTableKeys(options.pool, target, parallel, options.autoincrement.get(target.source))),
    );
    await options.tableKeyed?.(target);
    return { table: part.table, target: part.target, rows: table.rows, rejected: table.rejected, ms };
  };

  const done = await lastValueFrom(
    from(jobs).pipe(
      mergeMap((job) => defer(() => run(job)), parallel),
      toArray(),
    ),
    { defaultValue: [] as (CopyTableResult | null)[] },
  );
  return { tables: done.filter((t): t is CopyTableResult => t !== null), notes };
}

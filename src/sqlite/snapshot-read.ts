import { isValidText } from '../codec/index.js';
import { BridgeError, fromSqliteError } from '../errors.js';
import type { SourceTable } from '../model/source-schema.js';
import type { SqlValue } from '../model/sql-value.js';
import type { TargetTable } from '../model/target-schema.js';
import { sourceKeyCollations, sqliteCollated } from '../schema/key-collation.js';
import { quoteIdent } from '../schema/quote.js';
import { type SqliteDatabase, tableExists } from './open.js';
import { rowSizes, rowsWithin } from './row-size.js';

/** Names under which SQLite exposes the rowid, in the order we try them. */
const ROWID_NAMES = ['rowid', '_rowid_', 'oid'] as const;

/**
 * One page of a table: each row holds the target columns' raw values in target column order,
 * followed by the columns of the page key (rowid, or the primary key of a WITHOUT ROWID table)
 * that are not target columns already (a rowid alias such as `id` is read once).
 */
export type Page = readonly (readonly SqlValue[])[];

/** Page keys bounding part of a table: rows with key > after (null: from the start) and <= upTo (null: to the end). */
export interface KeyRange {
  readonly after?: readonly SqlValue[] | null;
  readonly upTo?: readonly SqlValue[] | null;
}

/** How one table is read: the SQL, and where the page key sits in each row. */
export interface TableReader {
  readonly source: SourceTable;
  readonly target: TargetTable;
  /** Rows in the table at the snapshot point. */
  count(): number;
  /**
   * Pages in page-key order, each at most `pageSize` rows, all inside the caller's read
   * transaction; only keys inside `range` when given.
   */
  pages(pageSize: number, range?: KeyRange): Generator<Page>;
  /** Cuts the table into `parts` key ranges of about equal row counts (for parallel COPY streams). */
  split(parts: number): KeyRange[];
  /**
   * How many rows a page may hold so that it stays within `maxBytes` however large the table's
   * largest row is (at most `maxRows`, at least 1): a table of multi-megabyte blobs is paged a
   * few rows at a time, a table of short rows `maxRows` at a time.
   */
  pageRows(maxRows: number, maxBytes: number): number;
  /** The source key of a row from a page, as `{ column: value }` for messages and rejects. */
  keyOf(row: readonly SqlValue[]): Record<string, SqlValue>;
}

/** The expression SQLite orders and pages a table by. */
function pageKeyColumns(source: SourceTable): readonly string[] {
  if (source.withoutRowid) return source.primaryKey;
  if (source.rowidAlias !== null) return [source.rowidAlias];
  const taken = new Set(source.columns.map((c) => c.name.toLowerCase()));
  const name = ROWID_NAMES.find((n) => !taken.has(n));
  if (name === undefined) {
    throw new BridgeError(
      'DATA',
      `table "${source.name}" has columns named rowid, _rowid_ and oid: its rowid cannot be read`,
    );
  }
  return [name];
}

/** A text or jsonb target column, and the statement that re-reads it as bytes by key. */
export interface TextReread {
  readonly index: number;
  readonly bytes: { get(...key: unknown[]): unknown };
  /** The database's text encoding (`PRAGMA encoding`), which those bytes are in. */
  readonly encoding: string;
}

/** The SELECT list of a table's target values, in target column order. */
export function targetValuesSql(target: TargetTable): string {
  return target.columns.map((c) => quoteIdent(c.source.name)).join(', ');
}

/**
 * For each text/jsonb target column, the statement re-reading its raw bytes from `table` rows
 * matching `where` (placeholders bound to a key, as the caller's own lookup binds it).
 */
export function textRereads(
  db: SqliteDatabase,
  table: string,
  target: TargetTable,
  where: string,
): TextReread[] {
  const encoding = String(db.pragma('encoding', { simple: true }));
  return target.columns.flatMap((c, index) =>
    c.type === 'text' || c.type === 'jsonb'
      ? [
          {
            index,
            encoding,
            bytes: prepare(
              db,
              `SELECT CAST(${quoteIdent(c.source.name)} AS BLOB) FROM ${quoteIdent(table)} WHERE ${where}`,
              table,
            ).pluck(),
          },
        ]
      : [],
  );
}

/** A UTF-16 code unit of a surrogate pair: a character past U+FFFF. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * better-sqlite3 decodes invalid UTF-8 with U+FFFD replacement characters, and SQLite turns a
 * lone surrogate of a UTF-16 database into some other character past U+FFFF: a text value holding
 * U+FFFD (or, in a UTF-16 database, a character past U+FFFF) is re-read as bytes, and kept as
 * bytes when they are not valid text in the database's encoding, so the codec reports it instead
 * of writing a changed value; real characters stay text. Rare, so cheap.
 */
export function restoreInvalidUtf8(
  row: SqlValue[],
  rereads: readonly TextReread[],
  key: () => readonly SqlValue[],
): void {
  for (let t = 0; t < rereads.length; t++) {
    const reread = rereads[t]!;
    const v = row[reread.index];
    if (
      typeof v === 'string' &&
      (v.includes('\uFFFD') || (reread.encoding !== 'UTF-8' && SURROGATE.test(v)))
    ) {
      const bytes = reread.bytes.get(...key()) as Uint8Array | null | undefined;
      if (bytes !== undefined && bytes !== null && !isValidText(bytes, reread.encoding)) {
        row[reread.index] = bytes;
      }
    }
  }
}

/**
 * Builds the reader of one table. Text that better-sqlite3 decoded with U+FFFD replacement
 * characters is re-read as bytes, so invalid UTF-8 reaches the codec as bytes and is reported,
 * never silently replaced.
 */
export function tableReader(db: SqliteDatabase, source: SourceTable, target: TargetTable): TableReader {
  const from = quoteIdent(source.name);
  const keyCols = pageKeyColumns(source);
  // A WITHOUT ROWID table pages by its primary key, in the key's own order (NOCASE, RTRIM): the
  // bounds carry the collation so every page is a seek in the key's index, not a sort.
  const collations = source.withoutRowid ? sourceKeyCollations(source) : [];
  const collated = (expr: string, i: number): string => {
    const collation = collations[i];
    return collation === undefined ? expr : sqliteCollated(expr, collation);
  };
  const key = keyCols.map((k, i) => collated(quoteIdent(k), i)).join(', ');
  const width = target.columns.length;
  // Where each page key column sits in a row: its target column, else appended after them. A
  // text key is always appended: restoreInvalidUtf8 may replace its target value with bytes.
  const extra: string[] = [];
  const keyIndexes = keyCols.map((k) => {
    const i = target.columns.findIndex(
      (c) => c.source.kind === 'column' && c.source.name === k && c.type !== 'text' && c.type !== 'jsonb',
    );
    if (i >= 0) return i;
    extra.push(k);
    return width + extra.length - 1;
  });
  const select = `SELECT ${[targetValuesSql(target), ...extra.map(quoteIdent)].join(', ')} FROM ${from}`;
  const pageKey = (row: readonly SqlValue[]): SqlValue[] => keyIndexes.map((i) => row[i] ?? null);
  const placeholders = keyCols.map((_k, i) => collated('?', i)).join(', ');
  const after = `(${key}) > (${placeholders})`;
  const upTo = `(${key}) <= (${placeholders})`;
  /** The page query for a range: lower bound from the previous page, optional upper bound. */
  const pageQuery = (lower: boolean, upper: boolean) => {
    const where = [lower ? after : null, upper ? upTo : null].filter((w) => w !== null);
    const sql = `${select}${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`} ORDER BY ${key} LIMIT ?`;
    return prepare(db, sql, source.name).raw(true);
  };
  const queries = [
    pageQuery(false, false),
    pageQuery(true, false),
    pageQuery(false, true),
    pageQuery(true, true),
  ];
  const counter = prepare(db, `SELECT count(*) FROM ${from}`, source.name).pluck();
  const keyAt = prepare(db, `SELECT ${key} FROM ${from} ORDER BY ${key} LIMIT 1 OFFSET ?`, source.name).raw(
    true,
  );

  const declaredKey = target.key.kind === 'primary-key' ? target.key.columns : keyCols;
  const keyInPage = declaredKey.every((c, i) => keyCols[i] === c) && declaredKey.length === keyCols.length;
  const keyLookup = keyInPage
    ? null
    : prepare(
        db,
        `SELECT ${declaredKey.map(quoteIdent).join(', ')} FROM ${from} WHERE (${key}) = (${placeholders})`,
        source.name,
      ).raw(true);

  const rereads = textRereads(db, source.name, target, `(${key}) = (${placeholders})`);
  let largestRow: number | undefined;

  return {
    source,
    target,
    count: () => Number(counter.get() as bigint),
    *pages(pageSize: number, range: KeyRange = {}): Generator<Page> {
      const upper = range.upTo ?? null;
      let lower = range.after ?? null;
      for (;;) {
        const query = queries[(lower === null ? 0 : 1) + (upper === null ? 0 : 2)]!;
        const bounds = [...(lower ?? []), ...(upper ?? [])];
        const rows = run(() => query.all(...bounds, pageSize) as SqlValue[][], source.name);
        if (rows.length === 0) return;
        if (rereads.length > 0) for (const row of rows) restoreInvalidUtf8(row, rereads, () => pageKey(row));
        yield rows;
        if (rows.length < pageSize) return;
        lower = pageKey(rows[rows.length - 1]!);
      }
    },
    split(parts: number): KeyRange[] {
      const total = Number(counter.get() as bigint);
      if (parts < 2 || total < parts) return [{}];
      const cuts: (readonly SqlValue[])[] = [];
      for (let i = 1; i < parts; i++) {
        const cut = keyAt.get(Math.floor((total * i) / parts) - 1) as SqlValue[] | undefined;
        if (cut !== undefined) cuts.push(cut);
      }
      return [...cuts, null].map((upTo, i) => ({ after: i === 0 ? null : cuts[i - 1]!, upTo }));
    },
    pageRows(maxRows: number, maxBytes: number): number {
      largestRow ??= rowSizes(db, source).largest;
      return rowsWithin(maxRows, maxBytes, largestRow);
    },
    keyOf(row) {
      const page = pageKey(row);
      const values = keyLookup === null ? page : ((keyLookup.get(...page) as SqlValue[] | undefined) ?? page);
      return Object.fromEntries(declaredKey.map((c, i) => [c, values[i] ?? null]));
    },
  };
}

function prepare(db: SqliteDatabase, sql: string, table: string) {
  try {
    return db.prepare(sql);
  } catch (error) {
    throw fromSqliteError(error, `cannot read table "${table}"`);
  }
}

function run<T>(fn: () => T, table: string): T {
  try {
    return fn();
  } catch (error) {
    throw fromSqliteError(error, `reading table "${table}" failed`);
  }
}

/**
 * A read transaction over the whole file: every table read through it sees one snapshot.
 * In WAL mode the application keeps writing meanwhile; in rollback-journal mode it waits.
 */
export class ReadSnapshot {
  readonly #db: SqliteDatabase;
  #open = false;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /** Starts the read transaction and pins its snapshot with a first read. */
  begin(): void {
    this.#db.exec('BEGIN');
    this.#db.prepare('SELECT count(*) FROM sqlite_schema').get();
    this.#open = true;
  }

  /**
   * The changelog head `max(seq)` in this snapshot, or null when capture is not installed.
   * Changes at or before it are in the snapshot; streaming starts after it.
   */
  changelogHead(): bigint | null {
    if (!tableExists(this.#db, '_litebridge_changelog')) return null;
    const head = this.#db.prepare('SELECT max(seq) FROM _litebridge_changelog').pluck().get() as
      | bigint
      | null;
    return head ?? 0n;
  }

  /** Ends the read transaction (it never wrote anything). */
  end(): void {
    if (this.#open) this.#db.exec('COMMIT');
    this.#open = false;
  }
}

/** Every value of one column (inside the caller's read transaction), for partition bounds. */
export function* columnValues(db: SqliteDatabase, table: string, column: string): Generator<SqlValue> {
  const stmt = prepare(db, `SELECT ${quoteIdent(column)} FROM ${quoteIdent(table)}`, table).pluck();
  yield* run(() => stmt.iterate() as IterableIterator<SqlValue>, table);
}

/** `sqlite_sequence` (AUTOINCREMENT high-water marks) by table name; empty when absent. */
export function autoincrementHighWater(db: SqliteDatabase): Map<string, bigint> {
  if (!tableExists(db, 'sqlite_sequence')) return new Map();
  const rows = db.prepare('SELECT name, seq FROM sqlite_sequence').raw(true).all() as [string, bigint][];
  return new Map(rows.map(([name, seq]) => [name, BigInt(seq)]));
}

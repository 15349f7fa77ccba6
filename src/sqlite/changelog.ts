/**
 * Reads and prunes `_litebridge_changelog`: a batch is the changelog rows after a checkpoint
 * plus the current row of every key they touch, all read in ONE SQLite read transaction.
 */
import { BridgeError, fromSqliteError } from '../errors.js';
import type { ChangeBatch, ChangeEvent, Op, RowChange } from '../model/change.js';
import type { SqlValue } from '../model/sql-value.js';
import type { TargetTable } from '../model/target-schema.js';
import { foldText, type KeyCollation, sourceKeyCollations } from '../schema/key-collation.js';
import { quoteIdent } from '../schema/quote.js';
import type { ReplicatedTable } from '../schema/replicated.js';
import { CHANGELOG_TABLE, KEY_SLOTS } from './capture-sql.js';
import { schemaVersion as currentSchemaVersion, type SqliteDatabase, tableExists } from './open.js';
import { keyWhereSql, prepareRowByKey, type RowByKey } from './row-by-key.js';
import { ReadSnapshot, restoreInvalidUtf8, type TextReread, textRereads } from './snapshot-read.js';

export interface BatchLimits {
  /** Changelog rows per batch at most. */
  readonly maxEvents: number;
  /**
   * Bytes of current rows per batch at most (default BATCH_BYTES): a batch ends before the
   * first event of a key whose row would pass it (a batch always holds at least one key), so
   * rows of large blobs or texts travel a few at a time.
   */
  readonly maxBytes?: number;
}

/** The default `maxBytes`: what a batch's rows may hold in memory. */
export const BATCH_BYTES = 4 * 1024 * 1024;

/** The changelog head `max(seq)`: 0 when the changelog is empty or absent. */
export function changelogHead(db: SqliteDatabase): bigint {
  return BigInt(new ReadSnapshot(db).changelogHead() ?? 0n);
}

/** Changelog events after `after` not yet applied, and the capture time of the oldest (ms), or null. */
export function backlogAfter(db: SqliteDatabase, after: bigint): { events: number; oldestAt: number | null } {
  try {
    if (!tableExists(db, CHANGELOG_TABLE)) return { events: 0, oldestAt: null };
    const [events, oldestAt] = db
      .prepare(`SELECT count(*), min(at) FROM ${quoteIdent(CHANGELOG_TABLE)} WHERE seq > ?`)
      .safeIntegers(true)
      .raw(true)
      .get(after) as [bigint, number | null];
    return { events: Number(events), oldestAt };
  } catch (error) {
    throw fromSqliteError(error, 'reading the changelog backlog failed');
  }
}

/** How the current row of one key is read: prepared once per table and database. */
interface RowLookup {
  readonly row: RowByKey;
  /** Text/jsonb target columns, with the statement re-reading each as bytes by key. */
  readonly text: readonly TextReread[];
}

const lookups = new WeakMap<SqliteDatabase, WeakMap<TargetTable, RowLookup>>();

/**
 * Reads the next batch after `after`: at most `maxEvents` changelog rows in seq order and, for
 * each distinct (table, key) among them, the row as it is now (target columns in target column
 * order, as `tableReader` pages hold them; null when gone), all in one read transaction that
 * never takes the write lock. Events of tables not in `tables` are skipped but covered by
 * `upTo`. Changes list the gone keys first, then the present ones, each in order of first event.
 * Returns null when the changelog holds nothing after `after`.
 */
export function readBatch(
  db: SqliteDatabase,
  after: bigint,
  tables: ReadonlyMap<string, ReplicatedTable>,
  limits: BatchLimits,
): ChangeBatch | null {
  // Without a schema version to hold to, the read never answers 'schema-changed'.
  return read(db, after, tables, limits, undefined) as ChangeBatch | null;
}

/**
 * `readBatch` for a reader that follows the schema: the batch is read only when the file's
 * `PRAGMA schema_version`, in the batch's own read snapshot, is still `schemaVersion` (the one
 * whose tables `tables` describes and PostgreSQL has). Otherwise nothing is read and
 * 'schema-changed' is returned: rows read back under a newer schema could hold columns
 * PostgreSQL lacks, or miss them, with nothing left in the changelog to bring them later.
 */
export function readBatchAtSchema(
  db: SqliteDatabase,
  after: bigint,
  tables: ReadonlyMap<string, ReplicatedTable>,
  limits: BatchLimits,
  schemaVersion: number,
): ChangeBatch | null | 'schema-changed' {
  return read(db, after, tables, limits, schemaVersion);
}

function read(
  db: SqliteDatabase,
  after: bigint,
  tables: ReadonlyMap<string, ReplicatedTable>,
  limits: BatchLimits,
  schemaVersion: number | undefined,
): ChangeBatch | null | 'schema-changed' {
  if (!Number.isInteger(limits.maxEvents) || limits.maxEvents < 1) {
    throw new BridgeError('INTERNAL', `maxEvents must be a positive integer, not ${limits.maxEvents}`);
  }
  try {
    return db
      .transaction(() =>
        readInSnapshot(db, after, tables, limits.maxEvents, limits.maxBytes ?? BATCH_BYTES, schemaVersion),
      )
      .deferred();
  } catch (error) {
    throw fromSqliteError(error, 'reading the changelog failed');
  }
}

function readInSnapshot(
  db: SqliteDatabase,
  after: bigint,
  tables: ReadonlyMap<string, ReplicatedTable>,
  maxEvents: number,
  maxBytes: number,
  schemaVersion: number | undefined,
): ChangeBatch | null | 'schema-changed' {
  // The first read starts the snapshot: the schema version below is the snapshot's.
  if (!tableExists(db, CHANGELOG_TABLE)) {
    throw new BridgeError('BAD_STATE', 'change capture is not installed in the SQLite file', {
      hint: 'run `litebridge sync`, which installs it',
    });
  }
  if (schemaVersion !== undefined && currentSchemaVersion(db) !== schemaVersion) {
    return 'schema-changed';
  }
  const read = [...eventsAfter(db, after, maxEvents)];
  if (read.length === 0) return null;
  const { changes, events } = currentRows(db, read, tables, maxBytes);
  const first = events[0]!;
  const last = events[events.length - 1]!;
  return {
    after,
    upTo: last.seq,
    events: events.length,
    changes,
    firstAt: first.at,
    lastAt: last.at,
    atHead: events.length === read.length && read.length < maxEvents,
  };
}

/** The changelog columns, in the order `toEvent` reads them. */
const EVENT_COLUMNS = `seq, tbl, op, ${KEY_SLOTS.join(', ')}, at`;

/** One changelog row, read raw with safe integers (keys keep their storage class, BLOBs their bytes). */
function toEvent(row: readonly SqlValue[]): ChangeEvent {
  return {
    seq: row[0] as bigint,
    table: row[1] as string,
    op: row[2] as Op,
    key: row.slice(3, 3 + KEY_SLOTS.length),
    at: Number(row[3 + KEY_SLOTS.length]),
  };
}

/** The changelog events after `after` in seq order, at most `limit` (-1: all), in the caller's transaction. */
function* eventsAfter(db: SqliteDatabase, after: bigint, limit = -1): Generator<ChangeEvent> {
  const rows = db
    .prepare(`SELECT ${EVENT_COLUMNS} FROM ${quoteIdent(CHANGELOG_TABLE)} WHERE seq > ? ORDER BY seq LIMIT ?`)
    .safeIntegers(true)
    .raw(true)
    .iterate(after, limit) as IterableIterator<SqlValue[]>;
  for (const row of rows) yield toEvent(row);
}

/**
 * The row as it is now of each distinct key the events touch (two keys SQLite compares as equal
 * are one; events of tables not replicated are left out): the gone keys first, then the present
 * ones, per table in order of first event. The rows stop before the first event of a key whose
 * row would take them past `maxBytes` (never before the first key); `events` are the ones they
 * cover.
 */
function currentRows(
  db: SqliteDatabase,
  read: readonly ChangeEvent[],
  tables: ReadonlyMap<string, ReplicatedTable>,
  maxBytes: number,
): { changes: RowChange[]; events: readonly ChangeEvent[] } {
  const touched = new Map<string, { lookup: RowLookup; keys: Map<string, RowChange> }>();
  const collationsOf = new Map<string, readonly KeyCollation[]>();
  let bytes = 0;
  let taken = read.length;
  for (let e = 0; e < read.length; e++) {
    const event = read[e]!;
    let collations = collationsOf.get(event.table);
    if (collations === undefined) {
      const entry = tables.get(event.table);
      collations = entry === undefined ? [] : sourceKeyCollations(entry.source);
      collationsOf.set(event.table, collations);
    }
    if (collations.length === 0) continue;
    let table = touched.get(event.table);
    if (table === undefined) {
      table = { lookup: rowLookup(db, tables.get(event.table)!), keys: new Map() };
      touched.set(event.table, table);
    }
    const key = event.key.slice(0, collations.length);
    const id = keyId(key, collations);
    if (table.keys.has(id)) continue;
    const row = table.lookup.row.get(...key) ?? null;
    if (row !== null) restoreInvalidUtf8(row, table.lookup.text, () => key);
    bytes += rowBytes(row);
    if (bytes > maxBytes && e > 0) {
      taken = e;
      break;
    }
    table.keys.set(id, { table: event.table, key, row });
  }
  const changes = [...touched.values()].flatMap((t) => [...t.keys.values()]);
  return {
    changes: [...changes.filter((c) => c.row === null), ...changes.filter((c) => c.row !== null)],
    events: taken === read.length ? read : read.slice(0, taken),
  };
}

/** About the memory a row's values take: text and blobs byte for byte, other values 8 bytes. */
function rowBytes(row: readonly SqlValue[] | null): number {
  if (row === null) return 0;
  let bytes = 0;
  for (const v of row) bytes += typeof v === 'string' ? v.length : v instanceof Uint8Array ? v.byteLength : 8;
  return bytes;
}

/** The prepared statements reading one table's rows by capture key (cached per database). */
function rowLookup(db: SqliteDatabase, entry: ReplicatedTable): RowLookup {
  let perDb = lookups.get(db);
  if (perDb === undefined) lookups.set(db, (perDb = new WeakMap()));
  const cached = perDb.get(entry.target);
  if (cached !== undefined) return cached;
  const lookup: RowLookup = {
    row: prepareRowByKey(db, entry),
    text: textRereads(db, entry.source.name, entry.target, keyWhereSql(entry)),
  };
  perDb.set(entry.target, lookup);
  return lookup;
}

/**
 * A string identifying a key as SQLite compares it, for coalescing: storage class and bits, texts
 * folded by their column's collation (NOCASE, RTRIM).
 */
function keyId(key: readonly SqlValue[], collations: readonly KeyCollation[]): string {
  return key
    .map((raw, i) => {
      const v = foldText(raw, collations[i] ?? 'binary');
      if (v === null) return 'n';
      switch (typeof v) {
        case 'bigint':
          return `i${v}`;
        case 'number':
          return `r${Buffer.from(new Float64Array([v]).buffer).toString('hex')}`;
        case 'string':
          return `t${JSON.stringify(v)}`;
        default:
          return `b${Buffer.from(v).toString('hex')}`;
      }
    })
    .join(',');
}

/**
 * Deletes changelog rows with seq ≤ `upTo` (the checkpoint PostgreSQL has committed), at most
 * `batch` rows per statement, each statement its own short transaction since the application
 * is writing. The newest changelog row is always kept so that seq (max + 1) is never reused.
 * Returns the rows deleted (0 when capture is not installed).
 */
export function pruneChangelog(
  db: SqliteDatabase,
  upTo: bigint,
  options: { readonly batch: number },
): number {
  const batch = Math.max(1, Math.trunc(options.batch));
  try {
    const head = changelogHead(db);
    const limit = upTo < head ? upTo : head - 1n;
    if (limit <= 0n) return 0;
    const remove = db.prepare(
      `DELETE FROM ${quoteIdent(CHANGELOG_TABLE)} WHERE seq IN (SELECT seq FROM ${quoteIdent(CHANGELOG_TABLE)} WHERE seq <= ? ORDER BY seq LIMIT ?)`,
    );
    let deleted = 0;
    for (;;) {
      const { changes } = remove.run(limit, batch);
      deleted += changes;
      if (changes < batch) return deleted;
    }
  } catch (error) {
    throw fromSqliteError(error, 'pruning the changelog failed');
  }
}

/** Keys with changelog events after a seq: what is in flight between two positions. */
export interface KeysAfter {
  /** The oldest seq still in the changelog (null when empty): above `after + 1`, events were pruned. */
  readonly oldest: bigint | null;
  /** SQLite table name → key values (k0…k7 as stored; the caller keeps its key's width). */
  readonly keys: ReadonlyMap<string, readonly (readonly SqlValue[])[]>;
}

/** Every (table, key) with an event after `after`, read in the caller's read transaction. */
export function keysAfter(db: SqliteDatabase, after: bigint): KeysAfter {
  try {
    if (!tableExists(db, CHANGELOG_TABLE)) return { oldest: null, keys: new Map() };
    const oldest = db
      .prepare(`SELECT min(seq) FROM ${quoteIdent(CHANGELOG_TABLE)}`)
      .safeIntegers(true)
      .pluck()
      .get() as bigint | null;
    const keys = new Map<string, (readonly SqlValue[])[]>();
    for (const event of eventsAfter(db, after)) {
      let list = keys.get(event.table);
      if (list === undefined) keys.set(event.table, (list = []));
      list.push(event.key);
    }
    return { oldest, keys };
  } catch (error) {
    throw fromSqliteError(error, 'reading the changelog failed');
  }
}

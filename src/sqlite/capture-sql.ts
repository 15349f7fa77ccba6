/**
 * Pure builders of the SQL that litebridge adds to the application's SQLite file for change
 * capture: its bookkeeping tables and, per replicated table, four AFTER triggers (insert, update
 * keeping the key, update changing it, delete) that record the key (never the row) of every
 * inserted, updated and deleted row in `_litebridge_changelog`.
 * Every object is named `_litebridge_*`; every identifier is quoted, every name a literal.
 */
import { BridgeError } from '../errors.js';
import type { SourceTable } from '../model/source-schema.js';
import {
  indexCollations,
  type KeyCollation,
  sourceKeyCollations,
  sqliteCollated,
  sqliteEquals,
} from '../schema/key-collation.js';
import { shortHash } from '../schema/names.js';
import { quoteIdent, quoteLiteral } from '../schema/quote.js';
import { unshadowedRowidName } from '../schema/translate-checks.js';

/** Prefix of every object litebridge creates in the SQLite file. */
export const CAPTURE_PREFIX = '_litebridge_';
/** The changelog: one row per captured change, keys only. */
export const CHANGELOG_TABLE = '_litebridge_changelog';
/** One row (id = 1) whose `enabled` switches every capture trigger on or off: the loop guard. */
export const CAPTURE_FLAG_TABLE = '_litebridge_capture';
/** Key/value bookkeeping: capture version, source id. */
export const META_TABLE = '_litebridge_meta';
/** Key columns the changelog holds: tables with more key columns are refused. */
export const MAX_KEY_COLUMNS = 8;
/** Trigger suffixes, one per operation. */
export const TRIGGER_SUFFIXES = ['_ins', '_upd', '_upk', '_del', '_rpi', '_rpu'] as const;

/** Longest table part of a trigger name kept readable before it is shortened with a hash. */
const READABLE_NAME_CHARS = 40;

/** Capture time in ms since the epoch, as a REAL (SQLite evaluates 'now' once per statement). */
export const CAPTURE_NOW_SQL = "(julianday('now') - 2440587.5) * 86400000.0";

/** The changelog key column names k0…k7. */
export const KEY_SLOTS: readonly string[] = Array.from({ length: MAX_KEY_COLUMNS }, (_, i) => `k${i}`);

/**
 * Statements creating the bookkeeping tables (idempotent) and the capture flag row (enabled).
 * Key columns have no declared type, so SQLite stores every key value exactly as the
 * application's (integer, real, text, blob). `seq` is a plain rowid alias (max + 1): it is
 * never reused as long as the newest row is never deleted (see `pruneChangelog`).
 */
export function captureTablesSql(): string[] {
  const keys = KEY_SLOTS.join(', ');
  return [
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(CHANGELOG_TABLE)} (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, ${keys}, at REAL NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(CAPTURE_FLAG_TABLE)} (id INTEGER PRIMARY KEY CHECK (id = 1), enabled INTEGER NOT NULL)`,
    `INSERT OR IGNORE INTO ${quoteIdent(CAPTURE_FLAG_TABLE)} (id, enabled) VALUES (1, 1)`,
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(META_TABLE)} (key TEXT PRIMARY KEY, value)`,
  ];
}

/** The statement switching capture on or off (reverse replication runs it inside its own transaction). */
export function setCaptureEnabledSql(enabled: boolean): string {
  return `UPDATE ${quoteIdent(CAPTURE_FLAG_TABLE)} SET enabled = ${enabled ? 1 : 0} WHERE id = 1`;
}

/**
 * The columns a table's changes are keyed by, in key order: the declared primary key, or for
 * a table without one an unshadowed name of its rowid (`rowid`, `_rowid_` or `oid`).
 * Refuses (DATA) a key of more than 8 columns and a rowid hidden by columns of all three names.
 */
export function captureKeyColumns(table: SourceTable): readonly string[] {
  if (table.primaryKey.length > MAX_KEY_COLUMNS) {
    throw new BridgeError(
      'DATA',
      `table "${table.name}" has a primary key of ${table.primaryKey.length} columns; change capture keys at most ${MAX_KEY_COLUMNS}`,
      { details: { table: table.name }, hint: 'skip the table in the configuration' },
    );
  }
  if (table.primaryKey.length > 0) return table.primaryKey;
  const rowid = unshadowedRowidName(table);
  if (rowid === undefined) {
    throw new BridgeError(
      'DATA',
      `table "${table.name}" has no primary key and columns named rowid, _rowid_ and oid hide its rowid`,
      {
        details: { table: table.name },
        hint: 'declare a primary key, or skip the table in the configuration',
      },
    );
  }
  return [rowid];
}

/**
 * The trigger names of a table: `_litebridge_<table>_{ins,upd,upk,del,rpi,rpu}` when the name
 * is short and plain ASCII, else a sanitized prefix plus a hash of the exact name.
 */
export function captureTriggerNames(table: string): {
  ins: string;
  /** AFTER UPDATE that keeps the key: one U row. */
  upd: string;
  /** AFTER UPDATE that changes the key: D(old key), I(new key). */
  updKey: string;
  del: string;
  /** BEFORE INSERT / BEFORE UPDATE: rows a REPLACE may remove for a secondary UNIQUE value. */
  replaceIns: string;
  replaceUpd: string;
} {
  const plain = /^[A-Za-z0-9_]+$/.test(table) && table.length <= READABLE_NAME_CHARS;
  const base = plain
    ? table
    : `${table.replace(/[^A-Za-z0-9_]/g, '_').slice(0, READABLE_NAME_CHARS)}_${shortHash(table)}`;
  return {
    ins: `${CAPTURE_PREFIX}${base}_ins`,
    upd: `${CAPTURE_PREFIX}${base}_upd`,
    updKey: `${CAPTURE_PREFIX}${base}_upk`,
    del: `${CAPTURE_PREFIX}${base}_del`,
    replaceIns: `${CAPTURE_PREFIX}${base}_rpi`,
    replaceUpd: `${CAPTURE_PREFIX}${base}_rpu`,
  };
}

/** True when `name` is the name of a capture trigger (as opposed to another `_litebridge_` object). */
export function isCaptureTriggerName(name: string): boolean {
  return (
    name.toLowerCase().startsWith(CAPTURE_PREFIX) &&
    TRIGGER_SUFFIXES.some((s) => name.toLowerCase().endsWith(s))
  );
}

/** A capture trigger: its name and its CREATE statement. */
export interface CaptureTrigger {
  readonly name: string;
  readonly sql: string;
}

/** One column of a UNIQUE index and the collation the index compares it with (null: application-defined). */
interface UniquePart {
  readonly column: string;
  readonly collation: KeyCollation | null;
}

/** The table's secondary UNIQUE indexes on plain columns (no WHERE, no expression). */
function replaceableUniques(table: SourceTable): (readonly UniquePart[])[] {
  return table.indexes
    .filter(
      (ix) =>
        ix.unique && ix.origin !== 'pk' && ix.where === null && ix.parts.every((p) => p.column !== null),
    )
    .map((ix) => {
      const collations = indexCollations(ix);
      return ix.parts.map((p, i) => ({ column: p.column!, collation: collations[i] ?? null }));
    });
}

/**
 * Names an UPDATE must assign for its key to change: the key columns and, as `SET rowid = …`
 * changes an INTEGER PRIMARY KEY without naming it, the rowid's three names (SQLite matches
 * `UPDATE OF` by name, case-insensitively; a name the table lacks never matches).
 */
function keyAssignments(keys: readonly string[]): string {
  const names = new Map<string, string>();
  for (const name of [...keys, 'rowid', '_rowid_', 'oid']) {
    if (!names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
  }
  return [...names.values()].map(quoteIdent).join(', ');
}

/**
 * The capture triggers of one table. AFTER INSERT, AFTER UPDATE and AFTER DELETE record the key
 * of every changed row: an UPDATE that changes the key (compared as the key compares, so a
 * case-only change of a NOCASE key is no key change) as D(old key) then I(new key), any other
 * UPDATE as U(key). The two UPDATE cases are two triggers with exclusive WHEN clauses, so an
 * UPDATE that keeps its key runs one INSERT; the key-change trigger is `UPDATE OF` the key
 * (and rowid) names, so SQLite does not even call it for an UPDATE that assigns none of them.
 * Each fires only when the capture flag is on.
 *
 * SQLite's REPLACE also deletes rows that collide on a secondary UNIQUE index, without firing a
 * delete trigger (unless the application turned `recursive_triggers` on). So for a table with
 * such indexes, BEFORE INSERT and BEFORE UPDATE OF those columns record the key of every other
 * row holding the incoming unique values (compared with the index's collation, as SQLite's
 * uniqueness check does): the batch reader then finds each such row gone (it was
 * replaced) or present (the statement failed or was ignored), and applies exactly that.
 */
export function captureTriggersSql(table: SourceTable): CaptureTrigger[] {
  const keys = captureKeyColumns(table);
  const names = captureTriggerNames(table.name);
  const on = quoteIdent(table.name);
  const tbl = quoteLiteral(table.name);
  const into = `INSERT INTO ${quoteIdent(CHANGELOG_TABLE)} (tbl, op, ${KEY_SLOTS.slice(0, keys.length).join(', ')}, at)`;
  const values = (row: 'NEW' | 'OLD' | 't') => keys.map((k) => `${row}.${quoteIdent(k)}`).join(', ');
  // The flag table holds one row at most (id 1, by its CHECK), so the lookup needs no key: a
  // cursor that only rewinds costs less per row than a seek of id 1.
  const when = `WHEN (SELECT enabled FROM ${quoteIdent(CAPTURE_FLAG_TABLE)})`;
  const collations = sourceKeyCollations(table);
  // The key changed as SQLite compares it: a case-only change of a NOCASE key is an update (U).
  const keyChanged = keys
    .map(
      (k, i) =>
        `OLD.${quoteIdent(k)} IS NOT ${sqliteCollated(`NEW.${quoteIdent(k)}`, collations[i] ?? 'binary')}`,
    )
    .join(' OR ');
  const trigger = (
    name: string,
    timing: string,
    body: readonly string[],
    condition = when,
  ): CaptureTrigger => ({
    name,
    sql: `CREATE TRIGGER ${quoteIdent(name)} ${timing} ON ${on} FOR EACH ROW ${condition}\nBEGIN\n${body
      .map((s) => `  ${s};\n`)
      .join('')}END`,
  });
  // The key comparison first: it is cheaper than the flag lookup and settles which trigger runs.
  const flag = when.slice('WHEN '.length);
  const triggers = [
    trigger(names.ins, 'AFTER INSERT', [
      `${into} VALUES (${tbl}, 'I', ${values('NEW')}, ${CAPTURE_NOW_SQL})`,
    ]),
    trigger(
      names.upd,
      'AFTER UPDATE',
      [`${into} VALUES (${tbl}, 'U', ${values('NEW')}, ${CAPTURE_NOW_SQL})`],
      `WHEN NOT (${keyChanged}) AND ${flag}`,
    ),
    trigger(names.del, 'AFTER DELETE', [
      `${into} VALUES (${tbl}, 'D', ${values('OLD')}, ${CAPTURE_NOW_SQL})`,
    ]),
    trigger(
      names.updKey,
      `AFTER UPDATE OF ${keyAssignments(keys)}`,
      [
        `${into} VALUES (${tbl}, 'D', ${values('OLD')}, ${CAPTURE_NOW_SQL})`,
        `${into} VALUES (${tbl}, 'I', ${values('NEW')}, ${CAPTURE_NOW_SQL})`,
      ],
      `WHEN (${keyChanged}) AND ${flag}`,
    ),
  ];
  const uniques = replaceableUniques(table);
  if (uniques.length > 0) {
    // Rows other than `self` holding NEW's values of one unique index (= ignores NULLs, as UNIQUE does).
    const colliding = (self: 'NEW' | 'OLD') =>
      uniques.map(
        (cols) =>
          `${into} SELECT ${tbl}, 'U', ${values('t')}, ${CAPTURE_NOW_SQL} FROM ${on} AS t WHERE ` +
          `${cols.map(({ column: c, collation }) => (collation === null ? `t.${quoteIdent(c)} = NEW.${quoteIdent(c)}` : sqliteEquals(`t.${quoteIdent(c)}`, `NEW.${quoteIdent(c)}`, collation))).join(' AND ')} AND NOT (` +
          `${keys.map((k, i) => `t.${quoteIdent(k)} IS ${sqliteCollated(`${self}.${quoteIdent(k)}`, collations[i] ?? 'binary')}`).join(' AND ')})`,
      );
    const columns = [...new Set(uniques.flat().map((p) => p.column))].map(quoteIdent).join(', ');
    triggers.push(trigger(names.replaceIns, 'BEFORE INSERT', colliding('NEW')));
    triggers.push(trigger(names.replaceUpd, `BEFORE UPDATE OF ${columns}`, colliding('OLD')));
  }
  return triggers;
}

/** `DROP TRIGGER IF EXISTS "name"`. */
export function dropTriggerSql(name: string): string {
  return `DROP TRIGGER IF EXISTS ${quoteIdent(name)}`;
}

/** `DROP TABLE IF EXISTS "name"`. */
export function dropTableSql(name: string): string {
  return `DROP TABLE IF EXISTS ${quoteIdent(name)}`;
}

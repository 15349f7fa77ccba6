/**
 * Random cases for the live-sync property test: a small SQLite schema with awkward names and
 * key shapes, values valid for each declared type, and transactions of writes on it, plus the
 * SQL that runs them through better-sqlite3.
 */
import type Database from 'better-sqlite3';
import fc from 'fast-check';
import type { SqlValue } from '../../src/model/sql-value.js';
import { quoteIdent } from '../../src/schema/quote.js';

/** Declared types of the non-key columns. */
export type CaseType = 'INTEGER' | 'REAL' | 'TEXT' | 'BLOB' | 'DATETIME' | 'BOOLEAN';

/** How a table's rows are identified. */
export type KeyShape = 'integer' | 'text' | 'composite' | 'composite-without-rowid' | 'rowid';

export interface CaseColumn {
  readonly name: string;
  readonly type: CaseType;
  readonly unique: boolean;
}

export interface CaseTable {
  readonly name: string;
  readonly key: KeyShape;
  /** Key column names in key order (`rowid` for a table without primary key). */
  readonly keyNames: readonly string[];
  readonly columns: readonly CaseColumn[];
  /** Collation of the text key column and of a UNIQUE text column: how SQLite tells their values apart. */
  readonly collation: CaseCollation;
}

/** SQLite's built-in collations. */
export type CaseCollation = 'BINARY' | 'NOCASE' | 'RTRIM';

/** A key in key order; for a rowid table `null` means "let SQLite pick" (inserts only). */
export type CaseKey = readonly SqlValue[];

/** One write; `table` indexes the schema's tables, `column` the table's non-key columns. */
export type CaseOp =
  | {
      readonly kind: 'insert' | 'replace';
      readonly table: number;
      readonly key: CaseKey;
      readonly values: readonly SqlValue[];
    }
  | {
      readonly kind: 'update';
      readonly table: number;
      readonly key: CaseKey;
      readonly column: number;
      readonly value: SqlValue;
      /** UPDATE OR REPLACE: a UNIQUE collision deletes the other row. */
      readonly orReplace: boolean;
    }
  | { readonly kind: 'updateAll'; readonly table: number; readonly column: number; readonly value: SqlValue }
  | { readonly kind: 'delete'; readonly table: number; readonly key: CaseKey }
  | {
      readonly kind: 'rekey';
      readonly table: number;
      readonly key: CaseKey;
      readonly to: CaseKey;
      /** UPDATE OR REPLACE: a row already holding the new key is deleted. */
      readonly orReplace: boolean;
    };

/** Writes run in one transaction, committed or rolled back; `pause` yields to sync afterwards. */
export interface CaseTxn {
  readonly ops: readonly CaseOp[];
  readonly commit: boolean;
  readonly pause: boolean;
}

const TABLE_NAMES = ['items', 'select', 'Mixed Case', 'a"b', 'order', 'Ünï'] as const;
const COLUMN_NAMES = ['id', 'v', 'select', 'Mixed Case', 'a"b', 'x y', 'group', 'Value2', 'ключ'] as const;
const TYPES: readonly CaseType[] = ['INTEGER', 'REAL', 'TEXT', 'BLOB', 'DATETIME', 'BOOLEAN'];
const SHAPES: readonly KeyShape[] = ['integer', 'text', 'composite', 'composite-without-rowid', 'rowid'];

const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;
/** Few keys, so writes meet the same rows again; the extremes of int64 among them. */
const INT_KEYS = [1n, 2n, 3n, 4n, 5n, -7n, 0n, MAX_I64, MIN_I64];
const TEXT_KEYS = ['a', 'b', 'A', 'a ', 'select', 'tab\there', 'é', '😀', 'x"y', "it's", 'back\\slash', ''];

const awkwardChar = fc.constantFrom('\t', '\n', '\r', '\\', '"', "'", '😀', 'é', ',', ' ', '\u2028', '{');
const text = fc
  .string({ unit: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 1 }), awkwardChar), maxLength: 12 })
  // No NUL (SQLite text ends there for many tools; PostgreSQL text cannot hold it).
  .map((s) => s.replaceAll('\u0000', ''));

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const datetime = fc
  .record({
    y: fc.integer({ min: 1, max: 9999 }),
    mo: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 28 }),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    frac: fc.option(fc.integer({ min: 0, max: 999_999 }), { nil: null }),
  })
  .map(
    (t) =>
      `${pad(t.y, 4)}-${pad(t.mo, 2)}-${pad(t.d, 2)} ${pad(t.h, 2)}:${pad(t.mi, 2)}:${pad(t.s, 2)}${t.frac === null ? '' : `.${pad(t.frac, 6)}`}`,
  );

/** A value valid for a column of `type` (null sometimes); UNIQUE columns draw from a few values. */
export function valueArb(column: CaseColumn): fc.Arbitrary<SqlValue> {
  if (column.unique) {
    const few =
      column.type === 'INTEGER'
        ? fc.constantFrom<SqlValue>(1n, 2n, 3n)
        : fc.constantFrom<SqlValue>('u1', 'u2', 'U1', 'u1 ');
    return fc.option(few, { nil: null, freq: 4 });
  }
  const byType: Record<CaseType, fc.Arbitrary<SqlValue>> = {
    INTEGER: fc.oneof(fc.bigInt({ min: MIN_I64, max: MAX_I64 }), fc.constantFrom(MIN_I64, MAX_I64, 0n, -1n)),
    REAL: fc.oneof(
      fc.double({ noNaN: true }),
      fc.constantFrom(
        -0,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        Number.MIN_VALUE,
        -2.2250738585072e-308,
        0.1,
      ),
    ),
    TEXT: text,
    BLOB: fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)),
    DATETIME: datetime,
    BOOLEAN: fc.constantFrom(0n, 1n),
  };
  return fc.option(byType[column.type], { nil: null, freq: 6 });
}

function keyArb(table: CaseTable, forInsert: boolean): fc.Arbitrary<CaseKey> {
  // Mostly the first three keys, so writes keep meeting the same rows.
  const int = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...INT_KEYS.slice(0, 3)) },
    fc.constantFrom(...INT_KEYS),
  );
  const txt = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...TEXT_KEYS.slice(0, 3)) },
    fc.constantFrom(...TEXT_KEYS),
  );
  switch (table.key) {
    case 'integer':
      return int.map((k) => [k]);
    case 'text':
      return txt.map((k) => [k]);
    case 'rowid':
      return (forInsert ? fc.option(int, { nil: null }) : int).map((k) => [k]);
    default:
      return fc.tuple(txt, int);
  }
}

/** A random schema: 1–3 tables of random key shapes with 1–4 extra columns each. */
export const schemaArb: fc.Arbitrary<readonly CaseTable[]> = fc
  .uniqueArray(fc.constantFrom(...TABLE_NAMES), { minLength: 1, maxLength: 3 })
  .chain((names) =>
    fc.tuple(
      ...names.map((name) =>
        fc
          .record({
            key: fc.constantFrom(...SHAPES),
            names: fc.shuffledSubarray([...COLUMN_NAMES], { minLength: 6, maxLength: 6 }),
            types: fc.array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 4 }),
            unique: fc.boolean(),
            collation: fc.constantFrom<CaseCollation>('BINARY', 'NOCASE', 'RTRIM'),
          })
          .map(({ key, names: cols, types, unique, collation }): CaseTable => {
            const keyCount = key === 'rowid' ? 0 : key === 'integer' || key === 'text' ? 1 : 2;
            const keyNames = key === 'rowid' ? ['rowid'] : cols.slice(0, keyCount);
            // UNIQUE on the first INTEGER or TEXT column, if any (their values compare the same in both databases).
            const uniqueAt = unique ? types.findIndex((type) => type === 'INTEGER' || type === 'TEXT') : -1;
            const columns = types.map((type, i) => ({
              name: cols[keyCount + i]!,
              type,
              unique: i === uniqueAt,
            }));
            return { name, key, keyNames, columns, collation };
          }),
      ),
    ),
  );

function opArb(tables: readonly CaseTable[]): fc.Arbitrary<CaseOp> {
  return fc.nat(tables.length - 1).chain((ti) => {
    const table = tables[ti]!;
    const values = fc.tuple(...table.columns.map(valueArb));
    const column = fc.nat(table.columns.length - 1);
    const update = column.chain((c) =>
      fc.record({ column: fc.constant(c), value: valueArb(table.columns[c]!) }),
    );
    return fc.oneof(
      {
        weight: 5,
        arbitrary: fc
          .record({ key: keyArb(table, true), values })
          .map((o) => ({ kind: 'insert' as const, table: ti, ...o })),
      },
      {
        weight: 2,
        arbitrary: fc
          .record({ key: keyArb(table, true), values })
          .map((o) => ({ kind: 'replace' as const, table: ti, ...o })),
      },
      {
        weight: 3,
        arbitrary: fc
          .tuple(keyArb(table, false), update, fc.boolean())
          .map(([key, u, orReplace]) => ({ kind: 'update' as const, table: ti, key, ...u, orReplace })),
      },
      { weight: 1, arbitrary: update.map((u) => ({ kind: 'updateAll' as const, table: ti, ...u })) },
      {
        weight: 2,
        arbitrary: keyArb(table, false).map((key) => ({ kind: 'delete' as const, table: ti, key })),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(keyArb(table, false), keyArb(table, false), fc.boolean())
          .map(([key, to, orReplace]) => ({ kind: 'rekey' as const, table: ti, key, to, orReplace })),
      },
    );
  });
}

/** Transactions of 1–4 writes, about one in six rolled back; `maxOps` writes in all at most. */
export function txnsArb(tables: readonly CaseTable[], maxOps: number): fc.Arbitrary<readonly CaseTxn[]> {
  return fc.array(
    fc.record({
      ops: fc.array(opArb(tables), { minLength: 1, maxLength: 4 }),
      commit: fc.oneof(
        { weight: 5, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      pause: fc.boolean(),
    }),
    { minLength: 1, maxLength: Math.max(1, Math.floor(maxOps / 4)) },
  );
}

/** CREATE TABLE statements for the schema. */
export function createSql(tables: readonly CaseTable[]): string[] {
  return tables.map((t) => {
    const parts: string[] = [];
    if (t.key === 'integer') parts.push(`${quoteIdent(t.keyNames[0]!)} INTEGER PRIMARY KEY`);
    const collate = ` COLLATE ${t.collation}`;
    if (t.key === 'text') parts.push(`${quoteIdent(t.keyNames[0]!)} TEXT${collate} PRIMARY KEY`);
    if (t.key === 'composite' || t.key === 'composite-without-rowid') {
      parts.push(`${quoteIdent(t.keyNames[0]!)} TEXT${collate}`, `${quoteIdent(t.keyNames[1]!)} INTEGER`);
    }
    for (const c of t.columns) {
      const unique = c.unique ? `${c.type === 'TEXT' ? collate : ''} UNIQUE` : '';
      parts.push(`${quoteIdent(c.name)} ${c.type}${unique}`);
    }
    if (t.key === 'composite' || t.key === 'composite-without-rowid') {
      parts.push(`PRIMARY KEY (${t.keyNames.map(quoteIdent).join(', ')})`);
    }
    return `CREATE TABLE ${quoteIdent(t.name)} (${parts.join(', ')})${t.key === 'composite-without-rowid' ? ' WITHOUT ROWID' : ''}`;
  });
}

const where = (t: CaseTable) => t.keyNames.map((k) => `${quoteIdent(k)} = ?`).join(' AND ');

/** Runs one write; a constraint violation (duplicate key, UNIQUE) is the application's error and is skipped. */
export function runOp(db: Database.Database, tables: readonly CaseTable[], op: CaseOp): void {
  const t = tables[op.table]!;
  const q = quoteIdent(t.name);
  try {
    switch (op.kind) {
      case 'insert':
      case 'replace': {
        const auto = t.key === 'rowid' && op.key[0] === null;
        const cols = [...(auto ? [] : t.keyNames), ...t.columns.map((c) => c.name)];
        const vals = [...(auto ? [] : op.key), ...op.values];
        const verb = op.kind === 'insert' ? 'INSERT' : 'INSERT OR REPLACE';
        db.prepare(
          `${verb} INTO ${q} (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
        ).run(...vals);
        return;
      }
      case 'update':
        db.prepare(
          `UPDATE${op.orReplace ? ' OR REPLACE' : ''} ${q} SET ${quoteIdent(t.columns[op.column]!.name)} = ? WHERE ${where(t)}`,
        ).run(op.value, ...op.key);
        return;
      case 'updateAll':
        db.prepare(`UPDATE ${q} SET ${quoteIdent(t.columns[op.column]!.name)} = ?`).run(op.value);
        return;
      case 'delete':
        db.prepare(`DELETE FROM ${q} WHERE ${where(t)}`).run(...op.key);
        return;
      case 'rekey':
        db.prepare(
          `UPDATE${op.orReplace ? ' OR REPLACE' : ''} ${q} SET ${t.keyNames.map((k) => `${quoteIdent(k)} = ?`).join(', ')} WHERE ${where(t)}`,
        ).run(...op.to, ...op.key);
        return;
    }
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) return;
    throw error;
  }
}

/** Runs one transaction: BEGIN, every write, then COMMIT or ROLLBACK. */
export function runTxn(db: Database.Database, tables: readonly CaseTable[], txn: CaseTxn): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const op of txn.ops) runOp(db, tables, op);
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
  db.exec(txn.commit ? 'COMMIT' : 'ROLLBACK');
}

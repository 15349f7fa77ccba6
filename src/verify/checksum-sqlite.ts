/**
 * SQLite's side of the chunked checksum, computed inside SQLite through functions registered on
 * the connection: per chunk a row count and the sum of the canonical row hashes. The caller holds
 * the read transaction, so every chunk of a run sees one snapshot.
 */
import { fromSqliteError } from '../errors.js';
import type { SourceTable } from '../model/source-schema.js';
import type { SqlValue } from '../model/sql-value.js';
import type { TargetColumn, TargetTable } from '../model/target-schema.js';
import { foldText, targetKeyCollations } from '../schema/key-collation.js';
import { keyColumnIndexes } from '../schema/key-columns.js';
import { quoteIdent } from '../schema/quote.js';
import type { SqliteDatabase } from '../sqlite/open.js';
import { type RowSizes, rowSizes } from '../sqlite/row-size.js';
import { targetValuesSql } from '../sqlite/snapshot-read.js';
import { type ChunkPlan, chunkCount, chunkRange } from './chunks.js';
import { bucketOf, canonicalizer, HashSum, recordText } from './row-hash.js';
import { type RowHasher, rowHasher } from './row-hasher.js';

/** One chunk's summary: rows and the exact sum of their hashes (as decimal text). */
export interface ChunkSummary {
  readonly rows: number;
  readonly sum: string;
}

/** A row of a chunk, for narrowing a mismatch down to keys. */
export interface ChunkRow {
  /** The key's canonical record text (folded as SQLite compares keys): equal on both sides for the same key. */
  readonly key: string;
  /** First 16 hex digits of the md5 of the row's canonical fields. */
  readonly hash: string;
  /** SQLite: values in target column order. */
  readonly values: readonly SqlValue[];
}

let registered = 0;

/** One table's checksum queries on one SQLite connection. */
export class SqliteTableChecksum {
  readonly #db: SqliteDatabase;
  readonly #source: SourceTable;
  readonly #from: string;
  readonly #keyExpr: string;
  readonly #cols: string;
  readonly #sumFn: string;
  readonly #bucketFn: string;
  readonly #keyText: (key: readonly SqlValue[]) => string;
  readonly #rowKey: (values: readonly SqlValue[]) => string;
  readonly #hashRow: RowHasher;

  constructor(db: SqliteDatabase, source: SourceTable, target: TargetTable) {
    this.#db = db;
    this.#source = source;
    const id = ++registered;
    this.#sumFn = `_litebridge_hashsum_${id}`;
    this.#bucketFn = `_litebridge_bucket_${id}`;
    this.#from = quoteIdent(source.name);
    this.#cols = targetValuesSql(target);
    const keyIdx = keyColumnIndexes(target);
    const keys: TargetColumn[] = keyIdx.map((i) => target.columns[i]!);
    this.#keyExpr = keys.map((k) => quoteIdent(k.source.name)).join(', ');
    const hashRow = rowHasher(target.columns);
    const hashKey = rowHasher(keys);
    const keyFields = canonicalizer(keys);
    // Keys are grouped (buckets) and matched (key text) as SQLite compares them: NOCASE / RTRIM
    // texts folded, so 'yssy' in one database and 'YSSY' in the other are one row that differs.
    const collations = targetKeyCollations(target);
    const fold = (key: readonly SqlValue[]): SqlValue[] =>
      key.map((v, i) => foldText(v, collations[i] ?? 'binary'));
    this.#hashRow = hashRow;
    this.#keyText = (key) => recordText(keyFields(fold(key)));
    this.#rowKey = (values) => this.#keyText(keyIdx.map((i) => values[i] ?? null));
    db.aggregate<HashSum>(this.#sumFn, {
      start: () => new HashSum(),
      // better-sqlite3 types the step as (acc, next); it passes the row's values (varargs).
      step: ((acc: HashSum, ...values: SqlValue[]) => {
        acc.add(hashRow(values));
      }) as unknown as (acc: HashSum, next: HashSum) => void,
      result: (acc: HashSum) => acc.sum.toString(),
      varargs: true,
      safeIntegers: true,
      deterministic: true,
    });
    db.function(
      this.#bucketFn,
      { varargs: true, safeIntegers: true, deterministic: true },
      (buckets: SqlValue, ...values: SqlValue[]) => bucketOf(hashKey(fold(values)), Number(buckets)),
    );
  }

  /** Rows, min and max of the key, and the rows' sizes (for planning chunks). */
  stats(): { rows: number; min: SqlValue; max: SqlValue; sizes: RowSizes } {
    const [rows, min, max] = this.#run(
      () =>
        this.#db
          .prepare(`SELECT count(*), min(${this.#keyExpr}), max(${this.#keyExpr}) FROM ${this.#from}`)
          .raw(true)
          .get() as [bigint, SqlValue, SqlValue],
    );
    return { rows: Number(rows), min, max, sizes: rowSizes(this.#db, this.#source) };
  }

  /** Rows in the whole table. */
  count(): number {
    return Number(this.#run(() => this.#db.prepare(`SELECT count(*) FROM ${this.#from}`).pluck().get()));
  }

  /** Summaries of `chunks` (all chunks when omitted), by chunk number. */
  summaries(plan: ChunkPlan, chunks?: readonly number[]): Map<number, ChunkSummary> {
    const wanted = chunks ?? Array.from({ length: chunkCount(plan) }, (_, i) => i);
    const out = new Map<number, ChunkSummary>();
    if (plan.kind === 'bucket') {
      const keep = new Set(wanted);
      const rows = this.#run(
        () =>
          this.#db
            .prepare(
              `SELECT ${this.#bucketFn}(${plan.buckets}, ${this.#keyExpr}), count(*), ${this.#sumFn}(${this.#cols}) FROM ${this.#from} GROUP BY 1`,
            )
            .raw(true)
            .all() as [bigint, bigint, string][],
      );
      for (const [b, n, sum] of rows) {
        if (keep.has(Number(b))) out.set(Number(b), { rows: Number(n), sum });
      }
      return out;
    }
    const statements = new Map<string, { get(...p: unknown[]): unknown }>();
    for (const i of wanted) {
      const { from, to } = chunkRange(plan, i);
      const where = this.#rangeWhere(from, to);
      let stmt = statements.get(where);
      if (stmt === undefined) {
        stmt = this.#run(() =>
          this.#db
            .prepare(`SELECT count(*), ${this.#sumFn}(${this.#cols}) FROM ${this.#from}${where}`)
            .raw(true),
        );
        statements.set(where, stmt);
      }
      const params = [from, to].filter((b) => b !== null);
      const [n, sum] = this.#run(() => stmt.get(...params) as [bigint, string | null]);
      out.set(i, { rows: Number(n), sum: sum ?? '0' });
    }
    return out;
  }

  /** Every row of one chunk, with its canonical key and hash. */
  rows(plan: ChunkPlan, chunk: number): ChunkRow[] {
    let sql: string;
    let params: unknown[];
    if (plan.kind === 'bucket') {
      sql = `SELECT ${this.#cols} FROM ${this.#from} WHERE ${this.#bucketFn}(${plan.buckets}, ${this.#keyExpr}) = ?`;
      params = [chunk];
    } else {
      const { from, to } = chunkRange(plan, chunk);
      sql = `SELECT ${this.#cols} FROM ${this.#from}${this.#rangeWhere(from, to)}`;
      params = [from, to].filter((b) => b !== null);
    }
    const rows = this.#run(() =>
      this.#db
        .prepare(sql)
        .raw(true)
        .all(...params),
    ) as SqlValue[][];
    return rows.map((values) => ({
      key: this.#rowKey(values),
      hash: this.#hashRow(values).slice(0, 16),
      values,
    }));
  }

  /** The canonical key text of key values (in key order), e.g. from the changelog. */
  keyText(key: readonly SqlValue[]): string {
    return this.#keyText(key);
  }

  #rangeWhere(from: bigint | null, to: bigint | null): string {
    const parts = [
      from === null ? null : `${this.#keyExpr} >= ?`,
      to === null ? null : `${this.#keyExpr} < ?`,
    ].filter((p) => p !== null);
    return parts.length === 0 ? '' : ` WHERE ${parts.join(' AND ')}`;
  }

  #run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw fromSqliteError(error, `checksumming table "${this.#source.name}" failed`);
    }
  }
}

import { type Encoder, encoderFor, renderValue, sameValue } from '../codec/index.js';
import { fromPgError } from '../errors.js';
import type { SourceTable } from '../model/source-schema.js';
import type { SqlValue } from '../model/sql-value.js';
import type { TargetTable } from '../model/target-schema.js';
import { type PgPool, RAW_TEXT_ROWS } from '../pg/pool.js';
import { qualified, quoteIdent } from '../schema/ddl.js';
import { keyColumns } from '../schema/key-columns.js';
import type { SqliteDatabase } from '../sqlite/open.js';
import { tableReader } from '../sqlite/snapshot-read.js';

/** One column of one row whose values differ. */
export interface ValueDiff {
  readonly key: string;
  readonly column: string;
  readonly sqlite: string;
  readonly pg: string;
}

/** How one table compares. Lists hold at most `limit` entries; counts are exact. */
export interface TableComparison {
  readonly table: string;
  readonly target: string;
  readonly sqliteRows: number;
  readonly pgRows: number;
  readonly missingCount: number;
  readonly extraCount: number;
  readonly differentCount: number;
  readonly missing: readonly string[];
  readonly extra: readonly string[];
  readonly different: readonly ValueDiff[];
  readonly equal: boolean;
}

const PAGE = 5_000;

/**
 * Compares every row of one table, value by value through the codec: each SQLite page is
 * looked up in PostgreSQL by key (so row order and collations never matter), then PostgreSQL's
 * keys are checked against SQLite when it holds more rows than were matched.
 * Must run inside a SQLite read transaction held by the caller.
 */
export async function compareTable(
  db: SqliteDatabase,
  pool: PgPool,
  source: SourceTable,
  target: TargetTable,
  limit = 20,
): Promise<TableComparison> {
  const reader = tableReader(db, source, target);
  const keys = keyColumns(target);
  const keyIdx = keys.map((k) => target.columns.indexOf(k));
  const encoders: Encoder[] = target.columns.map((c) => encoderFor(c));
  const name = qualified(target.schema, target.name);
  const unnest = keys.map((k, i) => `$${i + 1}::${k.type}[]`).join(', ');
  const kAlias = keys.map((_, i) => `k${i}`).join(', ');
  const on = keys.map((k, i) => `t.${quoteIdent(k.name)} = k.k${i}`).join(' AND ');
  const lookup = `SELECT k.ord, ${target.columns.map((c) => `t.${quoteIdent(c.name)}`).join(', ')}
    FROM unnest(${unnest}) WITH ORDINALITY AS k(${kAlias}, ord) JOIN ${name} t ON ${on}`;

  const missing: string[] = [];
  const different: ValueDiff[] = [];
  let missingCount = 0;
  let differentCount = 0;
  let sqliteRows = 0;
  let matched = 0;

  for (const page of reader.pages(PAGE)) {
    sqliteRows += page.length;
    const keyTexts: (string | null)[][] = keys.map(() => []);
    const usable: number[] = [];
    page.forEach((row, r) => {
      try {
        const texts = keyIdx.map((i) => encoders[i]!(row[i] ?? null));
        texts.forEach((t, j) => {
          keyTexts[j]!.push(t);
        });
        usable.push(r);
      } catch {
        missingCount++;
        if (missing.length < limit)
          missing.push(
            keyText(
              keys.map((k) => k.name),
              keyIdx.map((i) => row[i] ?? null),
            ),
          );
      }
    });
    let pgRows: string[][];
    try {
      pgRows = (await pool.query({ text: lookup, values: keyTexts, ...RAW_TEXT_ROWS })).rows as string[][];
    } catch (error) {
      throw fromPgError(error, `cannot read ${target.schema}.${target.name} for comparison`);
    }
    const byOrd = new Map(pgRows.map((r) => [Number(r[0]) - 1, r]));
    usable.forEach((r, ord) => {
      const row = page[r]!;
      const pg = byOrd.get(ord);
      const key = () =>
        keyText(
          keys.map((k) => k.name),
          keyIdx.map((i) => row[i] ?? null),
        );
      if (pg === undefined) {
        missingCount++;
        if (missing.length < limit) missing.push(key());
        return;
      }
      matched++;
      let rowDiffers = false;
      target.columns.forEach((column, i) => {
        const value = row[i] ?? null;
        const pgText = pg[i + 1] ?? null;
        let encoded: string | null;
        try {
          encoded = encoders[i]!(value);
        } catch (error) {
          rowDiffers = true;
          if (different.length < limit) {
            different.push({
              key: key(),
              column: column.name,
              sqlite: `${renderValue(value)} (${(error as Error).message})`,
              pg: pgText ?? 'NULL',
            });
          }
          return;
        }
        if (!sameValue(column.type, encoded, pgText)) {
          rowDiffers = true;
          if (different.length < limit) {
            different.push({
              key: key(),
              column: column.name,
              sqlite: renderValue(value),
              pg: pgText === null ? 'NULL' : pgText,
            });
          }
        }
      });
      if (rowDiffers) differentCount++;
    });
  }

  const countResult = await pool.query(`SELECT count(*)::bigint AS n FROM ${name}`);
  const pgCount = Number(countResult.rows[0].n);
  const extraCount = pgCount - matched;
  const extra = extraCount > 0 ? await findExtraKeys(db, pool, source, target, limit) : [];
  return {
    table: target.source,
    target: target.name,
    sqliteRows,
    pgRows: pgCount,
    missingCount,
    extraCount,
    differentCount,
    missing,
    extra,
    different,
    equal: missingCount === 0 && extraCount === 0 && differentCount === 0,
  };
}

/** `id=42` / `a='x', b=2`: a key as the operator reads it. */
function keyText(names: readonly string[], values: readonly SqlValue[]): string {
  return names.map((n, i) => `${n}=${renderValue(values[i] ?? null)}`).join(', ');
}

/**
 * Keys PostgreSQL holds that SQLite does not: PostgreSQL's keys are read in pages and each is
 * looked up in SQLite (integers as integers, everything else as the text PostgreSQL prints).
 */
async function findExtraKeys(
  db: SqliteDatabase,
  pool: PgPool,
  source: SourceTable,
  target: TargetTable,
  limit: number,
): Promise<string[]> {
  const keys = keyColumns(target);
  const sourceKey = target.key.kind === 'rowid' ? [keys[0]!.source.name] : target.key.columns;
  const exists = db.prepare(
    `SELECT 1 FROM ${quoteIdent(source.name)} WHERE ${sourceKey.map((c) => `${quoteIdent(c)} = ?`).join(' AND ')}`,
  );
  const keyList = keys.map((k) => quoteIdent(k.name)).join(', ');
  const name = qualified(target.schema, target.name);
  const found: string[] = [];
  let after: string[] | null = null;
  for (;;) {
    const where =
      after === null ? '' : `WHERE (${keyList}) > (${keys.map((k, i) => `$${i + 1}::${k.type}`).join(', ')})`;
    const result = await pool.query({
      text: `SELECT ${keyList} FROM ${name} ${where} ORDER BY ${keyList} LIMIT ${PAGE}`,
      values: after ?? [],
      ...RAW_TEXT_ROWS,
    });
    const rows = result.rows as string[][];
    for (const row of rows) {
      const values = row.map((text, i) =>
        text === null ? null : keys[i]!.type === 'bigint' ? BigInt(text) : text,
      );
      if (exists.get(...values) === undefined) {
        found.push(
          keyText(
            keys.map((k) => k.name),
            values,
          ),
        );
        if (found.length >= limit) return found;
      }
    }
    if (rows.length < PAGE) return found;
    after = rows[rows.length - 1]!;
  }
}

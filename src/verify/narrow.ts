/**
 * Narrows a chunk whose summaries differ down to exact keys: both sides' rows of the chunk are
 * matched by canonical key; a key on one side only is missing or extra, a key whose row hash
 * differs is compared column by column through the codec (`sameValue`), so a difference in
 * canonical text that means the same value (jsonb `1.0` and `1`) is never reported.
 */
import { type Encoder, encoderFor, renderValue, sameValue } from '../codec/index.js';
import type { SqlValue } from '../model/sql-value.js';
import type { TargetTable } from '../model/target-schema.js';
import { keyColumnIndexes, keyColumns } from '../schema/key-columns.js';
import type { PgChunkRow } from './checksum-pg.js';
import type { ChunkRow } from './checksum-sqlite.js';

/** One column of a row that differs, both values as an operator reads them. */
export interface ColumnDiff {
  readonly column: string;
  readonly sqlite: string;
  readonly pg: string;
}

/** A key found on one side only, or a row that differs. */
export type KeyDiff =
  | {
      readonly kind: 'missing';
      readonly key: string;
      readonly canonical: string;
      readonly row: readonly SqlValue[];
    }
  | {
      readonly kind: 'extra';
      readonly key: string;
      readonly canonical: string;
      readonly keyTexts: readonly (string | null)[];
    }
  | {
      readonly kind: 'different';
      readonly key: string;
      readonly canonical: string;
      readonly row: readonly SqlValue[];
      readonly columns: readonly ColumnDiff[];
    };

/** `id=42` / `a='x', b=2`: a key as the operator reads it. */
export function keyLabel(names: readonly string[], values: readonly string[]): string {
  return names.map((n, i) => `${n}=${values[i]}`).join(', ');
}

/** Per-table narrowing state: encoders compiled once. */
export class ChunkNarrower {
  readonly #target: TargetTable;
  readonly #encoders: readonly Encoder[];
  readonly #keyIdx: readonly number[];
  readonly #keyNames: readonly string[];

  constructor(target: TargetTable) {
    this.#target = target;
    this.#encoders = target.columns.map((c) => encoderFor(c));
    this.#keyIdx = keyColumnIndexes(target);
    this.#keyNames = keyColumns(target).map((k) => k.name);
  }

  /** The differences between one chunk's rows on each side. */
  diff(sqliteRows: readonly ChunkRow[], pgRows: readonly PgChunkRow[]): KeyDiff[] {
    const pgByKey = new Map(pgRows.map((r) => [r.key, r]));
    const out: KeyDiff[] = [];
    for (const s of sqliteRows) {
      const p = pgByKey.get(s.key);
      pgByKey.delete(s.key);
      const key = keyLabel(
        this.#keyNames,
        this.#keyIdx.map((i) => renderValue(s.values[i] ?? null)),
      );
      if (p === undefined) {
        out.push({ kind: 'missing', key, canonical: s.key, row: s.values });
        continue;
      }
      if (p.hash === s.hash) continue;
      const columns = this.#columns(s.values, p.texts);
      if (columns.length > 0) out.push({ kind: 'different', key, canonical: s.key, row: s.values, columns });
    }
    for (const p of pgByKey.values()) {
      out.push({
        kind: 'extra',
        key: keyLabel(
          this.#keyNames,
          p.keyTexts.map((t) => (t === null ? 'NULL' : this.#pgLiteral(t))),
        ),
        canonical: p.key,
        keyTexts: p.keyTexts,
      });
    }
    return out;
  }

  #pgLiteral(text: string): string {
    return /^-?\d+$/.test(text) ? text : `'${text.replace(/'/g, "''")}'`;
  }

  #columns(values: readonly SqlValue[], texts: readonly (string | null)[]): ColumnDiff[] {
    const diffs: ColumnDiff[] = [];
    this.#target.columns.forEach((column, i) => {
      const value = values[i] ?? null;
      const pg = texts[i] ?? null;
      let encoded: string | null;
      try {
        encoded = this.#encoders[i]!(value);
      } catch (error) {
        diffs.push({
          column: column.name,
          sqlite: `${renderValue(value)} (${(error as Error).message})`,
          pg: pg ?? 'NULL',
        });
        return;
      }
      if (!sameValue(column.type, encoded, pg)) {
        diffs.push({ column: column.name, sqlite: renderValue(value), pg: pg === null ? 'NULL' : pg });
      }
    });
    return diffs;
  }
}

/**
 * How reverse replication finds its way back: PostgreSQL table and column names → the SQLite
 * table and columns they were translated from, with one decoder per column. Built once from the
 * schema the forward direction uses, `translate(introspect(db), config)`.
 */
import { CodecError, type Decoder, decoderFor, encoderFor, sameValue } from '../codec/index.js';
import { BridgeError } from '../errors.js';
import type { SourceSchema } from '../model/source-schema.js';
import type { SqlValue } from '../model/sql-value.js';
import type { KeyCollation, TargetSchema } from '../model/target-schema.js';
import { targetKeyCollations } from './key-collation.js';

/** A text tuple from pgoutput (see model/pg-transaction.ts): column → text, null, or undefined (unchanged TOAST). */
type TextTuple = Readonly<Record<string, string | null | undefined>>;

/** Where a decode error happened, for messages. */
interface Position {
  readonly xid: number;
  readonly commitLsn: string;
}

/** One replicated table, seen from PostgreSQL. */
export interface ReverseTable {
  /** The SQLite table name as SQLite spells it. */
  readonly sqliteName: string;
  readonly pgSchema: string;
  readonly pgName: string;
  /** SQLite key columns in key order: the declared primary key, or the rowid alias. */
  readonly keyColumns: readonly string[];
  /** How SQLite compares each of `keyColumns` (NOCASE, RTRIM, BINARY). */
  readonly keyCollations: readonly KeyCollation[];
  /** Every SQLite column reverse replication writes (generated columns excluded). */
  readonly columnNames: readonly string[];
  /**
   * The SQLite name of the partition column when the PostgreSQL table is partitioned (its key is
   * the SQLite key plus this column, so PostgreSQL can hold two rows SQLite keeps as one), else null.
   */
  readonly partitionColumn: string | null;
  /** Whether a SQLite value of `partitionColumn` is the value a tuple carries for it. */
  samePartition(sqliteValue: SqlValue, tuple: TextTuple): boolean;
  /**
   * The columns a tuple carries, decoded and named as in SQLite; columns PostgreSQL left out
   * (unchanged TOAST) are absent, generated SQLite columns are skipped. An unknown column is
   * BAD_STATE, a value SQLite cannot hold is DATA: both name table, key and column.
   */
  decodeRow(tuple: TextTuple, at: Position): Map<string, SqlValue>;
  /** The SQLite key values of a key (or full old row) tuple. */
  decodeKey(tuple: TextTuple, at: Position): SqlValue[];
}

/** The map from PostgreSQL relations to SQLite tables. */
export interface ReversePlan {
  /** The table for a published relation; BAD_STATE when SQLite has none. */
  table(relation: { readonly schema: string; readonly name: string }): ReverseTable;
}

interface ColumnWay {
  readonly sqliteName: string;
  readonly decode: Decoder;
  /** A generated SQLite column: PostgreSQL's value is ignored. */
  readonly generated: boolean;
}

/** `"table"` (SQLite) for messages. */
export function tableLabel(table: ReverseTable): string {
  return `"${table.sqliteName}"`;
}

/** Builds the plan for every table `target` replicates. */
export function reversePlan(source: SourceSchema, target: TargetSchema): ReversePlan {
  const tables = new Map<string, ReverseTable>();
  for (const t of target.tables) {
    const sourceTable = source.tables.find((s) => s.name === t.source);
    const columns = new Map<string, ColumnWay>();
    for (const c of t.columns) {
      const generated =
        c.source.kind === 'column' &&
        (sourceTable?.columns.find((s) => s.name === c.source.name)?.generated ?? null) !== null;
      columns.set(c.name, { sqliteName: c.source.name, decode: decoderFor(c), generated });
    }
    const keyColumns = t.key.kind === 'rowid' ? [t.key.alias] : t.key.columns;
    const pgKey = keyColumns.map((k) => [...columns].find(([, way]) => way.sqliteName === k)?.[0] ?? k);
    const columnNames = [...columns.values()].filter((w) => !w.generated).map((w) => w.sqliteName);
    const partitionPg = t.partitioning?.column ?? null;
    const partitionTarget = t.columns.find((c) => c.name === partitionPg) ?? null;
    const encodePartition = partitionTarget === null ? null : encoderFor(partitionTarget);
    const label = `"${t.source}" (PostgreSQL ${JSON.stringify(t.schema)}.${JSON.stringify(t.name)})`;

    const keyText = (tuple: TextTuple): string => `(${pgKey.map((k) => String(tuple[k])).join(', ')})`;
    /** Decodes one value of `tuple` (its key is rendered for a message only when it fails). */
    const decodeValue = (pgName: string, text: string | null, at: Position, tuple: TextTuple): SqlValue => {
      const way = columns.get(pgName);
      if (way === undefined) {
        throw new BridgeError(
          'BAD_STATE',
          `PostgreSQL column "${pgName}" of table ${label} has no SQLite column: reverse replication cannot write it`,
          {
            details: { table: t.source, column: pgName, xid: at.xid, lsn: at.commitLsn },
            hint: 'add the column to the SQLite table (or drop it in PostgreSQL), then restart reverse replication',
          },
        );
      }
      try {
        return way.decode(text);
      } catch (error) {
        if (!(error instanceof CodecError)) throw error;
        const key = keyText(tuple);
        throw new BridgeError('DATA', `table ${label} key ${key}: ${error.reason}`, {
          cause: error,
          details: { table: t.source, key, column: pgName, value: error.value, lsn: at.commitLsn },
          hint: error.hint ?? 'change the value in PostgreSQL to one SQLite can hold',
        });
      }
    };

    const table: ReverseTable = {
      sqliteName: t.source,
      pgSchema: t.schema,
      pgName: t.name,
      keyColumns,
      keyCollations: targetKeyCollations(t),
      columnNames,
      partitionColumn: partitionTarget?.source.name ?? null,
      samePartition(sqliteValue, tuple) {
        if (partitionTarget === null || encodePartition === null) return true;
        const text = tuple[partitionTarget.name];
        if (text === undefined) return true;
        try {
          return sameValue(partitionTarget.type, encodePartition(sqliteValue), text);
        } catch (error) {
          if (error instanceof CodecError) return false;
          throw error;
        }
      },
      decodeRow(tuple, at) {
        const row = new Map<string, SqlValue>();
        // for…in, not Object.entries: no pair array per row (this runs for every row streamed).
        for (const pgName in tuple) {
          const text = tuple[pgName];
          if (text === undefined) continue;
          const value = decodeValue(pgName, text, at, tuple);
          const way = columns.get(pgName)!;
          if (!way.generated) row.set(way.sqliteName, value);
        }
        return row;
      },
      decodeKey(tuple, at) {
        return pgKey.map((k) => {
          const text = tuple[k];
          if (text === undefined || text === null) {
            throw new BridgeError(
              'INTERNAL',
              `PostgreSQL sent no value for key column "${k}" of table ${label}`,
              {
                details: { table: t.source, column: k, lsn: at.commitLsn },
              },
            );
          }
          return decodeValue(k, text, at, tuple);
        });
      },
    };
    tables.set(`${t.schema}\u0000${t.name}`, table);
  }
  // pgoutput hands the same relation object to every row of a table: one lookup per relation.
  const seen = new WeakMap<object, ReverseTable>();
  return {
    table(relation) {
      const known = seen.get(relation);
      if (known !== undefined) return known;
      const found = tables.get(`${relation.schema}\u0000${relation.name}`);
      if (found !== undefined) {
        seen.set(relation, found);
        return found;
      }
      throw new BridgeError(
        'BAD_STATE',
        `PostgreSQL table ${JSON.stringify(relation.schema)}.${JSON.stringify(relation.name)} is published but has no SQLite table`,
        {
          details: { schema: relation.schema, table: relation.name },
          hint: 'the publication must list only the replicated tables: run cutover again or drop the table from the publication',
        },
      );
    },
  };
}

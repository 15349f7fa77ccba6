/**
 * The check inside the fence, kept cheap so the fence stays short: every key changed since the
 * drift check (changelog seq > its baseline) compared value by value through the codec, plus
 * the row count of every table. Keys not changed since were equal at the drift check and neither
 * side has touched them since, so together this proves the sides equal at the switch.
 */
import { type Encoder, encoderFor, renderValue, sameValue } from '../codec/index.js';
import { fromPgError } from '../errors.js';
import type { RowChange } from '../model/change.js';
import type { TargetTable } from '../model/target-schema.js';
import { type PgClient, RAW_TEXT_ROWS } from '../pg/pool.js';
import { qualified } from '../schema/ddl.js';
import { pgEquals, targetKeyCollations } from '../schema/key-collation.js';
import { keyColumnIndexes } from '../schema/key-columns.js';
import { quoteIdent } from '../schema/quote.js';
import type { ReplicatedTable } from '../schema/replicated.js';
import { readBatch } from '../sqlite/changelog.js';
import type { SqliteDatabase } from '../sqlite/open.js';

/** One table's row counts at the switch. */
export interface TableCount {
  readonly table: string;
  readonly sqliteRows: number;
  readonly pgRows: number;
}

/** A difference the final check found. */
export interface FinalMismatch {
  readonly table: string;
  /** `id=42` (or '' for a row-count difference). */
  readonly key: string;
  readonly reason: string;
}

/** What the final check found. */
export interface FinalCheck {
  readonly equal: boolean;
  /** Distinct keys compared (changed since the drift check). */
  readonly keysChecked: number;
  readonly tables: readonly TableCount[];
  /** At most 20. */
  readonly mismatches: readonly FinalMismatch[];
  readonly ms: number;
}

const MAX_SHOWN = 20;
const EVENTS_PER_BATCH = 10_000;

/**
 * Compares, on `client` (the lock session, which sees its own drain), every key changed after
 * `since` and every table's row count. The caller holds the fence: SQLite does not move.
 */
export async function finalCheck(
  client: PgClient,
  db: SqliteDatabase,
  since: bigint,
  tables: ReadonlyMap<string, ReplicatedTable>,
): Promise<FinalCheck> {
  const started = Date.now();
  const mismatches: FinalMismatch[] = [];
  let different = 0;
  const note = (m: FinalMismatch) => {
    different++;
    if (mismatches.length < MAX_SHOWN) mismatches.push(m);
  };
  // Batch by batch, so the rows compared stay within a batch's memory (readBatch's limits).
  let keysChecked = 0;
  for (let after = since; ; ) {
    const changed = readBatch(db, after, tables, { maxEvents: EVENTS_PER_BATCH });
    if (changed === null) break;
    const byTable = new Map<string, RowChange[]>();
    for (const change of changed.changes) {
      const list = byTable.get(change.table);
      if (list === undefined) byTable.set(change.table, [change]);
      else list.push(change);
    }
    for (const [name, changes] of byTable) {
      const table = tables.get(name);
      if (table !== undefined) await compareKeys(client, table.target, changes, note);
    }
    keysChecked += changed.changes.length;
    after = changed.upTo;
  }
  const counts: TableCount[] = [];
  for (const { target } of tables.values()) {
    const sqliteRows = Number(
      db
        .prepare(`SELECT count(*) FROM ${quoteIdent(target.source)}`)
        .pluck()
        .get() as bigint,
    );
    const pgRows = await countRows(client, target);
    counts.push({ table: target.source, sqliteRows, pgRows });
    if (sqliteRows !== pgRows) {
      note({ table: target.source, key: '', reason: `SQLite has ${sqliteRows} rows, PostgreSQL ${pgRows}` });
    }
  }
  return {
    equal: different === 0,
    keysChecked,
    tables: counts,
    mismatches,
    ms: Date.now() - started,
  };
}

async function countRows(client: PgClient, target: TargetTable): Promise<number> {
  try {
    const result = await client.query(
      `SELECT count(*)::bigint AS n FROM ${qualified(target.schema, target.name)}`,
    );
    return Number(result.rows[0].n);
  } catch (error) {
    throw fromPgError(error, `cannot count the rows of ${target.schema}.${target.name}`);
  }
}

/** One table's changed keys being compared: the table, its encoders, where differences go. */
interface KeyComparison {
  readonly target: TargetTable;
  readonly keyIdx: readonly number[];
  readonly encoders: readonly Encoder[];
  readonly note: (m: FinalMismatch) => void;
}

/** Looks `changes` up in PostgreSQL by key and compares each present row column by column. */
async function compareKeys(
  client: PgClient,
  target: TargetTable,
  changes: readonly RowChange[],
  note: (m: FinalMismatch) => void,
): Promise<void> {
  const cmp: KeyComparison = {
    target,
    keyIdx: keyColumnIndexes(target),
    encoders: target.columns.map((c) => encoderFor(c)),
    note,
  };
  const { asked, keyArrays } = encodeKeys(cmp, changes);
  if (asked.length === 0) return;
  const found = await rowsByKey(client, target, keyArrays);
  for (const [ord, change] of asked.entries()) compareRow(cmp, change, found.get(ord));
}

/** `id=42, b=x`: the change's key as the mismatch shows it. */
function keyText(cmp: KeyComparison, change: RowChange): string {
  return cmp.keyIdx
    .map((c, i) => `${cmp.target.columns[c]!.name}=${renderValue(change.key[i] ?? null)}`)
    .join(', ');
}

/**
 * The keys of `changes` in PostgreSQL's text, one array per key column; a key PostgreSQL cannot
 * hold is fine when the row is gone, a loss (noted) when it is present.
 */
function encodeKeys(
  cmp: KeyComparison,
  changes: readonly RowChange[],
): { asked: RowChange[]; keyArrays: (string | null)[][] } {
  const keyArrays: (string | null)[][] = cmp.keyIdx.map(() => []);
  const asked: RowChange[] = [];
  for (const change of changes) {
    try {
      const texts = cmp.keyIdx.map((c, i) => cmp.encoders[c]!(change.key[i] ?? null));
      for (let i = 0; i < texts.length; i++) keyArrays[i]!.push(texts[i] ?? null);
      asked.push(change);
    } catch (error) {
      if (change.row !== null) {
        cmp.note({
          table: cmp.target.source,
          key: keyText(cmp, change),
          reason: `key cannot be stored: ${(error as Error).message}`,
        });
      }
    }
  }
  return { asked, keyArrays };
}

/** PostgreSQL's rows for the keys, as raw text, by the key's position (0-based) in `keyArrays`. */
async function rowsByKey(
  client: PgClient,
  target: TargetTable,
  keyArrays: (string | null)[][],
): Promise<Map<number, string[]>> {
  const keys = keyColumnIndexes(target).map((c) => target.columns[c]!);
  const unnest = keys.map((k, i) => `$${i + 1}::${k.type}[]`).join(', ');
  const alias = keys.map((_, i) => `k${i}`).join(', ');
  // As SQLite compares the key: the changelog may spell a NOCASE key otherwise than the row.
  const collations = targetKeyCollations(target);
  const on = keys
    .map((k, i) => pgEquals(`t.${quoteIdent(k.name)}`, `k.k${i}`, collations[i] ?? 'binary'))
    .join(' AND ');
  const text = `SELECT k.ord, ${target.columns.map((c) => `t.${quoteIdent(c.name)}`).join(', ')}
    FROM unnest(${unnest}) WITH ORDINALITY AS k(${alias}, ord) JOIN ${qualified(target.schema, target.name)} t ON ${on}`;
  let rows: string[][];
  try {
    rows = (await client.query({ text, values: keyArrays, ...RAW_TEXT_ROWS })).rows as string[][];
  } catch (error) {
    throw fromPgError(error, `cannot read ${target.schema}.${target.name} for the final check`);
  }
  return new Map(rows.map((r) => [Number(r[0]) - 1, r]));
}

/** Compares one changed key: gone on both sides, or present on both with every column the same. */
function compareRow(cmp: KeyComparison, change: RowChange, pg: string[] | undefined): void {
  const { target } = cmp;
  const mismatch = (reason: string) => cmp.note({ table: target.source, key: keyText(cmp, change), reason });
  if (change.row === null) {
    if (pg !== undefined) mismatch('deleted in SQLite, present in PostgreSQL');
    return;
  }
  if (pg === undefined) {
    mismatch('present in SQLite, missing in PostgreSQL');
    return;
  }
  for (let i = 0; i < target.columns.length; i++) {
    const column = target.columns[i]!;
    let encoded: string | null;
    try {
      encoded = cmp.encoders[i]!(change.row[i] ?? null);
    } catch (error) {
      mismatch(`column "${column.name}": ${(error as Error).message}`);
      return;
    }
    if (!sameValue(column.type, encoded, pg[i + 1] ?? null)) {
      mismatch(
        `column "${column.name}": SQLite ${renderValue(change.row[i] ?? null)}, PostgreSQL ${pg[i + 1] ?? 'NULL'}`,
      );
      return;
    }
  }
}

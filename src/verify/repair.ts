/**
 * `drift-report --repair`: rewrites the rows a check found different from SQLite, the source of
 * truth, in ONE PostgreSQL transaction. It holds the source's checkpoint row (FOR UPDATE), so a
 * running sync cannot commit a batch meanwhile, reads each row's current state in one SQLite
 * read transaction, and leaves alone keys with changes after the checkpoint: sync writes those
 * itself, from a later read, and a repair must never overwrite them with an older state.
 */
import type { OnBadRow } from '../config/config.js';
import { fromPgError } from '../errors.js';
import type { RowChange } from '../model/change.js';
import type { SqlValue } from '../model/sql-value.js';
import type { TargetTable } from '../model/target-schema.js';
import { writeChanges } from '../pg/apply.js';
import { metadataTableExists } from '../pg/metadata.js';
import type { PgPool } from '../pg/pool.js';
import { keyColumns } from '../schema/key-columns.js';
import type { ReplicatedTable } from '../schema/replicated.js';
import { type KeysAfter, keysAfter } from '../sqlite/changelog.js';
import type { SqliteDatabase } from '../sqlite/open.js';
import { prepareRowByKey } from '../sqlite/row-by-key.js';
import { ReadSnapshot } from '../sqlite/snapshot-read.js';
import { sqliteChecksumFor, type TableDrift } from './drift.js';

/** What a repair wrote. */
export interface RepairResult {
  readonly upserted: number;
  readonly deleted: number;
  readonly rejected: number;
  /** Keys left to sync because they changed after the checkpoint. */
  readonly skippedInFlight: number;
}

export interface RepairOptions {
  readonly sourceId: string;
  readonly onBadRow: OnBadRow;
  readonly asReplica?: boolean;
}

/** Key values (key order) of a difference, as SQLite holds them. */
function keyValues(target: TargetTable, diff: TableDrift['diffs'][number]): SqlValue[] {
  const keys = keyColumns(target);
  if (diff.kind !== 'extra') {
    return keys.map((k) => diff.row[target.columns.indexOf(k)] ?? null);
  }
  return diff.keyTexts.map((text, i) =>
    text === null ? null : ['bigint', 'integer', 'smallint'].includes(keys[i]!.type) ? BigInt(text) : text,
  );
}

/** What a repair writes: SQLite's current row (null when gone) of each key not in flight. */
interface Repairs {
  readonly changes: RowChange[];
  readonly targets: Map<string, TargetTable>;
  readonly skippedInFlight: number;
}

/** Reads the rows to write, in the caller's read transaction; keys in `flight` are left to sync. */
function rowsToRepair(
  db: SqliteDatabase,
  tables: ReadonlyMap<string, ReplicatedTable>,
  drifts: readonly TableDrift[],
  flight: KeysAfter | null,
): Repairs {
  const changes: RowChange[] = [];
  const targets = new Map<string, TargetTable>();
  let skippedInFlight = 0;
  for (const drift of drifts) {
    if (drift.diffs.length === 0) continue;
    const table = tables.get(drift.table)!;
    targets.set(drift.table, table.target);
    const keys = keyColumns(table.target);
    const sq = sqliteChecksumFor(db, table);
    const busy = new Set(
      (flight?.keys.get(drift.table) ?? []).map((k) => sq.keyText(k.slice(0, keys.length))),
    );
    const lookup = prepareRowByKey(db, table);
    for (const diff of drift.diffs) {
      if (busy.has(diff.canonical)) {
        skippedInFlight++;
        continue;
      }
      const key = keyValues(table.target, diff);
      changes.push({ table: drift.table, key, row: lookup.get(...key) ?? null });
    }
  }
  return { changes, targets, skippedInFlight };
}

/** Repairs every difference in `drifts` (tables by SQLite name in `tables`). */
export async function repairDrift(
  db: SqliteDatabase,
  pool: PgPool,
  tables: ReadonlyMap<string, ReplicatedTable>,
  drifts: readonly TableDrift[],
  options: RepairOptions,
): Promise<RepairResult> {
  const client = await pool.connect();
  const snapshot = new ReadSnapshot(db);
  let open = false;
  try {
    await client.query('BEGIN');
    open = true;
    const locked = (await metadataTableExists(client, 'sources'))
      ? await client.query(
          'SELECT checkpoint_seq::text AS c FROM litebridge.sources WHERE source_id = $1 FOR UPDATE',
          [options.sourceId],
        )
      : { rows: [] };
    const checkpoint = (locked.rows[0]?.c as string | null | undefined) ?? null;
    snapshot.begin();
    const flight = checkpoint === null ? null : keysAfter(db, BigInt(checkpoint));
    const { changes, targets, skippedInFlight } = rowsToRepair(db, tables, drifts, flight);
    snapshot.end();
    const written = await writeChanges(client, changes, targets, options.sourceId, {
      onBadRow: options.onBadRow,
      asReplica: options.asReplica ?? false,
    });
    await client.query('COMMIT');
    open = false;
    return {
      upserted: written.upserted,
      deleted: written.deleted,
      rejected: written.rejected,
      skippedInFlight,
    };
  } catch (error) {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    throw fromPgError(error, 'repairing drift failed');
  } finally {
    snapshot.end();
    client.release();
  }
}

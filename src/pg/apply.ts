/**
 * Applies one ChangeBatch to PostgreSQL in ONE transaction together with the checkpoint: after a
 * crash PostgreSQL's checkpoint says exactly what is applied. Each key is applied once, with its
 * state in the batch's read snapshot: present → upsert, gone → delete.
 */

import { CodecError, type Encoder, encoderFor } from '../codec/index.js';
import type { OnBadRow } from '../config/config.js';
import { BridgeError, fromPgError } from '../errors.js';
import type { ChangeBatch, RowChange } from '../model/change.js';
import type { SqlValue } from '../model/sql-value.js';
import type { TargetTable } from '../model/target-schema.js';
import { createIndexSql } from '../schema/ddl.js';
import { foldText, keyFoldIndex, targetKeyCollations } from '../schema/key-collation.js';
import { type ApplyStatement, type TableApplySql, tableApplySql } from './apply-sql.js';
import { badRow } from './bad-rows.js';
import { advanceCheckpoint, readCheckpoint, recordSyncError } from './checkpoint.js';
import { insertRejects, type Reject } from './metadata.js';
import type { PgClient } from './pool.js';

export interface ApplyOptions {
  /** `stop` (default): a DATA error naming table, key, column and value; `quarantine`: keep the raw row in litebridge.rejects. */
  readonly onBadRow?: OnBadRow;
  /**
   * Apply as a replica (`session_replication_role = replica`, as PostgreSQL's own logical
   * replication workers do): foreign keys and triggers are not fired for replicated rows, so a
   * row that references a parent the source never had (the snapshot reports them) does not stop
   * sync. Needs superuser or SET privilege on the parameter (see `canApplyAsReplica`).
   */
  readonly asReplica?: boolean;
}

/** What one batch did. */
export interface ApplyResult {
  /** Rows written by INSERT … ON CONFLICT (or re-inserted into a partitioned table). */
  readonly upserted: number;
  /** Rows deleted because they are gone in SQLite (or were quarantined). */
  readonly deleted: number;
  /** Rows deleted because an incoming row took their value of a secondary UNIQUE index. */
  readonly collisionsRemoved: number;
  /** Rows quarantined in `litebridge.rejects` (their key is deleted from PostgreSQL). */
  readonly rejected: number;
  readonly tables: number;
  readonly ms: number;
}

/** One table's share of the batch, encoded: text arrays per column, ready for `unnest`. */
interface TablePlan {
  readonly table: TargetTable;
  readonly sql: TableApplySql;
  /** Keys to delete (gone or quarantined), one array per key column. */
  readonly deleteKeys: (string | null)[][];
  /** Keys of the rows to insert (for the delete-first path of partitioned tables). */
  readonly upsertKeys: (string | null)[][];
  /** Rows to insert, one array per target column. */
  readonly rows: (string | null)[][];
  readonly rejects: Reject[];
}

/** `build(table)`, computed once per table (the cache goes with the table). */
function perTable<T>(build: (table: TargetTable) => T): (table: TargetTable) => T {
  const cache = new WeakMap<TargetTable, T>();
  return (table) => {
    let value = cache.get(table);
    if (value === undefined) {
      value = build(table);
      cache.set(table, value);
    }
    return value;
  };
}

const sqlFor = perTable(tableApplySql);

const encodersFor = perTable((table): readonly Encoder[] => table.columns.map((c) => encoderFor(c)));

/** Encodes one table's changes; the last change of a key wins (a batch should hold each once). */
function planTable(table: TargetTable, changes: readonly RowChange[], onBadRow: OnBadRow): TablePlan {
  const sql = sqlFor(table);
  const encoders = encodersFor(table);
  const keyCols = sql.keyColumns;
  const collations = targetKeyCollations(table);
  const byKey = new Map<string, { key: (string | null)[]; row: (string | null)[] | null }>();
  const plan: TablePlan = {
    table,
    sql,
    deleteKeys: keyCols.map(() => []),
    upsertKeys: keyCols.map(() => []),
    rows: table.columns.map(() => []),
    rejects: [],
  };
  for (const change of changes) {
    if (
      change.key.length !== keyCols.length ||
      (change.row !== null && change.row.length !== table.columns.length)
    ) {
      throw new BridgeError('INTERNAL', `a change for "${table.source}" does not match its key or columns`, {
        details: { table: table.source, key: change.key.length, row: change.row?.length ?? null },
      });
    }
    const named = (): Record<string, SqlValue> =>
      Object.fromEntries(keyCols.map((c, i) => [table.columns[c]!.source.name, change.key[i] ?? null]));
    let key: (string | null)[];
    try {
      key = keyCols.map((c, i) => encoders[c]!(change.key[i] ?? null));
    } catch (error) {
      // A key PostgreSQL cannot hold was never copied there: a delete has nothing to remove, and
      // an incoming row with it is a bad row (never in PostgreSQL, so nothing to delete either).
      if (change.row === null && error instanceof CodecError) continue;
      plan.rejects.push(badRow(error, onBadRow, table, named(), change.row ?? []));
      continue;
    }
    let row: (string | null)[] | null = null;
    if (change.row !== null) {
      const raw = change.row;
      try {
        row = raw.map((v, i) => encoders[i]!(v));
      } catch (error) {
        plan.rejects.push(badRow(error, onBadRow, table, named(), raw));
        row = null; // its old value in PostgreSQL would be wrong: delete it
      }
    }
    // Two keys SQLite compares as equal (NOCASE, RTRIM) are one row: the last change wins.
    byKey.set(JSON.stringify(key.map((k, i) => foldText(k, collations[i] ?? 'binary'))), { key, row });
  }
  for (const { key, row } of byKey.values()) {
    const into = row === null ? plan.deleteKeys : plan.upsertKeys;
    for (let i = 0; i < key.length; i++) into[i]!.push(key[i] ?? null);
    if (row !== null) for (let i = 0; i < row.length; i++) plan.rows[i]!.push(row[i] ?? null);
  }
  return plan;
}

async function run(client: PgClient, statement: ApplyStatement, values: unknown[]): Promise<number> {
  const result = await client.query({ name: statement.name, text: statement.text, values });
  return result.rowCount ?? 0;
}

function groupByTable(
  changes: readonly RowChange[],
  tables: ReadonlyMap<string, TargetTable>,
): Map<TargetTable, RowChange[]> {
  const groups = new Map<TargetTable, RowChange[]>();
  for (const change of changes) {
    const table = tables.get(change.table);
    if (table === undefined) {
      throw new BridgeError(
        'BAD_STATE',
        `the batch changes table "${change.table}", which is not replicated`,
        {
          details: { table: change.table },
          hint: 'the capture triggers and the target schema disagree: run snapshot again',
        },
      );
    }
    const group = groups.get(table);
    if (group === undefined) groups.set(table, [change]);
    else group.push(change);
  }
  return groups;
}

/**
 * The upsert's conflict target has no unique index (SQLSTATE 42P10): a table snapshotted before
 * its NOCASE / RTRIM key got a unique index on the folded value. Says which index to create.
 */
function missingKeyIndex(error: unknown, table: TargetTable): BridgeError | null {
  const index = keyFoldIndex(table);
  if ((error as { code?: string }).code !== '42P10' || index === undefined) return null;
  return new BridgeError(
    'BAD_STATE',
    `${table.schema}.${table.name} has no unique index on its key as SQLite compares it (NOCASE / RTRIM): sync upserts on that index`,
    {
      cause: error,
      details: { table: table.source },
      hint: `create it (SQLite already guarantees its uniqueness), then restart sync: ${createIndexSql(table, index)}`,
    },
  );
}

/**
 * Writes `changes` inside the caller's open transaction on `client`: every table's deletes, then
 * collision deletes, then inserts, so a cascade never undoes an incoming row; foreign keys are
 * deferred to COMMIT (a child may arrive before its parent). Bad rows stop (DATA error) or are
 * quarantined per `options.onBadRow`. Used by `applyBatch` and by drift repair.
 */
export async function writeChanges(
  client: PgClient,
  changes: readonly RowChange[],
  tables: ReadonlyMap<string, TargetTable>,
  sourceId: string,
  options: ApplyOptions = {},
): Promise<Omit<ApplyResult, 'ms'>> {
  const onBadRow = options.onBadRow ?? 'stop';
  const plans = [...groupByTable(changes, tables)].map(([t, c]) => planTable(t, c, onBadRow));
  let deleted = 0;
  let collisionsRemoved = 0;
  let upserted = 0;
  await client.query('SET CONSTRAINTS ALL DEFERRED');
  if (options.asReplica === true) await client.query('SET LOCAL session_replication_role = replica');
  for (const p of plans) {
    if (p.deleteKeys[0]!.length > 0) deleted += await run(client, p.sql.deleteByKeys, p.deleteKeys);
    if (p.sql.deleteFirst && p.upsertKeys[0]!.length > 0) await run(client, p.sql.deleteByKeys, p.upsertKeys);
  }
  for (const p of plans) {
    if (p.rows[0]!.length === 0) continue;
    for (const c of p.sql.collisions) {
      collisionsRemoved += await run(
        client,
        c.statement,
        c.statement.columns.map((i) => p.rows[i]!),
      );
    }
  }
  for (const p of plans) {
    if (p.rows[0]!.length === 0) continue;
    await run(client, p.sql.insert, p.rows).catch((error: unknown) => {
      throw missingKeyIndex(error, p.table) ?? error;
    });
    upserted += p.rows[0]!.length;
  }
  const rejects = plans.flatMap((p) => p.rejects);
  await insertRejects(client, sourceId, rejects);
  return { upserted, deleted, collisionsRemoved, rejected: rejects.length, tables: plans.length };
}

/**
 * Applies `batch` and moves the checkpoint of `checkpoint.sourceId` from `batch.after` to
 * `batch.upTo`, all in one transaction on `client` (which must be outside any transaction).
 * Order: every table's deletes, then collision deletes, then inserts, so a cascade never undoes
 * an incoming row; foreign keys are checked at COMMIT (a child may arrive before its parent).
 * Throws BridgeError: DATA for a value PostgreSQL cannot hold (nothing applied), BAD_STATE when
 * the checkpoint is not at `batch.after` (another sync on the same source), TARGET (with
 * SQLSTATE and `retriable`) for PostgreSQL errors. A failure is also recorded in `last_error`.
 */
export async function applyBatch(
  client: PgClient,
  batch: ChangeBatch,
  tables: ReadonlyMap<string, TargetTable>,
  checkpoint: { readonly sourceId: string },
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const started = Date.now();
  const sourceId = checkpoint.sourceId;
  let open = false;
  try {
    if (batch.upTo < batch.after) {
      throw new BridgeError('INTERNAL', `batch ends at ${batch.upTo}, before its start ${batch.after}`);
    }
    await client.query('BEGIN');
    open = true;
    const written = await writeChanges(client, batch.changes, tables, sourceId, options);
    if (!(await advanceCheckpoint(client, sourceId, batch))) {
      const current = await readCheckpoint(client, sourceId);
      throw new BridgeError(
        'BAD_STATE',
        `the checkpoint of source "${sourceId}" is ${current ?? 'not set'}, not ${batch.after}: another process is syncing it`,
        {
          details: { sourceId, expected: batch.after.toString(), found: current?.toString() ?? null },
          hint: 'run one sync per source; if none is running, restart sync so it resumes from the checkpoint',
        },
      );
    }
    await client.query('COMMIT');
    open = false;
    return { ...written, ms: Date.now() - started };
  } catch (error) {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    const failure = fromPgError(error, `cannot apply changes ${batch.after + 1n}..${batch.upTo}`);
    await recordSyncError(client, sourceId, failure.message).catch(() => undefined);
    throw failure;
  }
}

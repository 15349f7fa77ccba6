import { BridgeError, fromPgError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ChangeBatch, RowChange } from '../model/change.js';
import type { SourceTable } from '../model/source-schema.js';
import type { TargetTable } from '../model/target-schema.js';
import { applyBatch } from '../pg/apply.js';
import type { PgPool } from '../pg/pool.js';
import { buildTableKeys } from '../pg/post-data.js';
import { relationExists, targetColumnNames } from '../pg/target-tables.js';
import {
  addColumnSql,
  createTableSql,
  identityResetSql,
  partitionSql,
  postDataSql,
  qualified,
} from '../schema/ddl.js';
import { keyColumnIndexes } from '../schema/key-columns.js';
import type { SqliteDatabase } from '../sqlite/open.js';
import { lastHorizonInstant } from '../sqlite/partition-bounds.js';
import { ReadSnapshot, tableReader } from '../sqlite/snapshot-read.js';

const PAGE = 2_000;

/** What reconciling works with: both databases, the tables sync follows, and its checkpoint. */
export interface ReconcileContext {
  readonly db: SqliteDatabase;
  readonly pool: PgPool;
  readonly log: Logger;
  /** Each replicated table's source and target, by SQLite name. */
  readonly tables: ReadonlyMap<string, { source: SourceTable; target: TargetTable }>;
  /** Each replicated table's target, by SQLite name (what the apply path needs). */
  readonly targets: ReadonlyMap<string, TargetTable>;
  /** Rows copied here are applied at this checkpoint, which they leave where it is. */
  readonly checkpoint: { readonly sourceId: string; readonly seq: bigint };
}

/**
 * Brings PostgreSQL in line with tables SQLite gained since the snapshot (capture must already
 * be installed on them, so nothing written meanwhile is missed): a missing column is added
 * (`ALTER TABLE … ADD COLUMN`, its default filling existing rows as SQLite's does), a missing
 * table is created, keyed, filled from one SQLite read snapshot through the apply path, and its
 * identity set past its max; a missing index is created. A table named in `refill` that PostgreSQL
 * already has (copied by a snapshot before its capture was installed) is emptied and copied
 * again. A column PostgreSQL has and
 * SQLite no longer has stops sync: dropping it would be a decision for the operator. Returns one
 * line per change made.
 */
export async function reconcileTargets(
  context: ReconcileContext,
  refill: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const { pool, tables, log } = context;
  const done: string[] = [];
  for (const { source, target } of tables.values()) {
    const columns = await targetColumnNames(pool, target);
    if (columns === null) {
      await create(pool, target);
      await fill(context, source, target);
      done.push(`table "${target.name}" created and copied`);
      continue;
    }
    const stale = [...columns].filter((c) => !target.columns.some((t) => t.name === c));
    if (stale.length > 0) {
      throw new BridgeError(
        'BAD_STATE',
        `PostgreSQL table "${target.name}" has columns SQLite's "${source.name}" no longer has: ${stale.join(', ')}`,
        { hint: 'drop them in PostgreSQL if that is intended, or run `litebridge snapshot --replace`' },
      );
    }
    for (const column of target.columns.filter((c) => !columns.has(c.name))) {
      try {
        await pool.query(addColumnSql(target, column));
      } catch (error) {
        throw fromPgError(error, `cannot add column "${column.name}" to "${target.name}"`);
      }
      done.push(`column "${target.name}"."${column.name}" added`);
    }
    done.push(...(await addMissingIndexes(pool, target, log)));
    if (refill.has(source.name)) {
      try {
        await pool.query(`DELETE FROM ${qualified(target.schema, target.name)}`);
      } catch (error) {
        throw fromPgError(error, `cannot empty "${target.name}" to copy it again`);
      }
      await fill(context, source, target);
      done.push(`table "${target.name}" copied again (it existed before its capture was installed)`);
    }
  }
  for (const line of done) log.info({ change: line }, 'PostgreSQL follows the SQLite schema');
  return done;
}

/**
 * Creates the indexes SQLite has and PostgreSQL lacks (CREATE INDEX while sync was stopped or
 * ran). One PostgreSQL refuses is a warning, as at the snapshot: rows still arrive without it.
 */
async function addMissingIndexes(pool: PgPool, target: TargetTable, log: Logger): Promise<string[]> {
  const done: string[] = [];
  const sql = postDataSql(target).indexes;
  for (const [i, index] of target.indexes.entries()) {
    if (await relationExists(pool, target.schema, index.name)) continue;
    try {
      await pool.query(sql[i]!);
      done.push(`index "${index.name}" on "${target.name}" created`);
    } catch (error) {
      log.warn({ table: target.source, sql: sql[i], err: (error as Error).message }, 'index not created');
    }
  }
  return done;
}

/** Creates a table SQLite gained and builds its keys (the rows arrive through the upsert, which needs the key). */
async function create(pool: PgPool, target: TargetTable): Promise<void> {
  try {
    await pool.query(createTableSql(target));
    if (target.partitioning !== null) {
      for (const sql of partitionSql(target, new Date(), lastHorizonInstant(target, new Date())))
        await pool.query(sql);
    }
  } catch (error) {
    throw fromPgError(error, `cannot create table "${target.name}"`);
  }
  await buildTableKeys(pool, target, 2, undefined);
}

/**
 * Copies a table's rows through the apply path from one SQLite read snapshot, taken after its
 * capture was installed: every later change is in the changelog after `checkpoint`, applied next.
 */
async function fill(context: ReconcileContext, source: SourceTable, target: TargetTable): Promise<void> {
  const { db, pool, targets, checkpoint } = context;
  const keys = keyColumnIndexes(target);
  const width = target.columns.length;
  const snapshot = new ReadSnapshot(db);
  snapshot.begin();
  try {
    const client = await pool.connect();
    try {
      for (const page of tableReader(db, source, target).pages(PAGE)) {
        const changes: RowChange[] = page.map((row) => ({
          table: source.name,
          key: keys.map((i) => row[i] ?? null),
          row: row.slice(0, width),
        }));
        const now = Date.now();
        // A batch that leaves the checkpoint where it is: these rows are not changelog events.
        const batch: ChangeBatch = {
          after: checkpoint.seq,
          upTo: checkpoint.seq,
          events: 0,
          changes,
          firstAt: now,
          lastAt: now,
          atHead: false,
        };
        await applyBatch(client, batch, targets, { sourceId: checkpoint.sourceId });
      }
    } finally {
      client.release();
    }
  } finally {
    snapshot.end();
  }
  const identity = identityResetSql(target);
  if (identity !== null) await pool.query(identity, [null]);
}

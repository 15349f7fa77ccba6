/**
 * The forward drain inside the fence: with the application's SQLite writes refused, the
 * changelog is finite; whatever sync has not applied yet is applied here, batch by batch with
 * the same writes sync makes, inside the lock session's transaction (sync's own batches wait on
 * the locks, and their checkpoint compare-and-set fails once the switch commits).
 */
import type { Config } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { TargetTable } from '../model/target-schema.js';
import { writeChanges } from '../pg/apply.js';
import { advanceCheckpoint } from '../pg/checkpoint.js';
import type { PgClient } from '../pg/pool.js';
import type { ReplicatedTable } from '../schema/replicated.js';
import { readBatch } from '../sqlite/changelog.js';
import type { SqliteDatabase } from '../sqlite/open.js';

/** What the drain applied. */
export interface DrainResult {
  /** Changelog events applied by the cutover itself (0 when sync had applied everything). */
  readonly events: number;
  readonly batches: number;
  /** The checkpoint after the drain: the changelog head. */
  readonly checkpoint: bigint;
}

/**
 * Applies the changelog after `from` up to its head on `client`, inside its open transaction,
 * moving the checkpoint with it. The caller holds the fence, so the head does not move.
 */
export async function drainChangelog(
  client: PgClient,
  db: SqliteDatabase,
  from: bigint,
  tables: ReadonlyMap<string, ReplicatedTable>,
  targets: ReadonlyMap<string, TargetTable>,
  config: Config,
  asReplica: boolean,
): Promise<DrainResult> {
  let checkpoint = from;
  let events = 0;
  let batches = 0;
  for (;;) {
    const batch = readBatch(db, checkpoint, tables, { maxEvents: 10_000 });
    if (batch === null) break;
    await writeChanges(client, batch.changes, targets, config.sourceId, {
      onBadRow: config.onBadRow,
      asReplica,
    });
    if (!(await advanceCheckpoint(client, config.sourceId, batch))) {
      throw new BridgeError(
        'BAD_STATE',
        `the checkpoint of source "${config.sourceId}" moved during the drain`,
        {
          hint: 'run `litebridge cutover` again',
        },
      );
    }
    checkpoint = batch.upTo;
    events += batch.events;
    batches++;
  }
  return { events, batches, checkpoint };
}

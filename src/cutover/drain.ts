/**
 * The forward drain inside the fence: with the application's SQLite writes refused, the
 * changelog is finite; whatever sync has not applied yet is applied here, batch by batch with
 * the same writes sync makes, inside the lock session's transaction (sync's own batches wait on
 * the locks, and their checkpoint compare-and-set fails once the switch commits).
 */
import { BridgeError } from '../errors.js';
import { writeChanges } from '../pg/apply.js';
import { advanceCheckpoint } from '../pg/checkpoint.js';
import type { PgClient } from '../pg/pool.js';
import { changelogHead, readBatch } from '../sqlite/changelog.js';
import type { CutoverContext } from './context.js';

/** What the drain applied. */
export interface DrainResult {
  /** Changelog events applied by the cutover itself (0 when sync had applied everything). */
  readonly events: number;
  readonly batches: number;
  /** The checkpoint after the drain: the changelog head. */
  readonly checkpoint: bigint;
}

/** Where the drain runs: the lock session, the checkpoint read under its locks, and how sync applies. */
export interface DrainSession {
  /** The lock session: the drain's writes are part of its transaction. */
  readonly client: PgClient;
  /** The checkpoint read under the locks: the drain applies the changelog after it. */
  readonly checkpoint: bigint;
  /** Apply with `session_replication_role = replica`, as sync does when it may. */
  readonly asReplica: boolean;
}

/**
 * Applies the changelog after the session's checkpoint up to its head, inside the lock
 * session's open transaction, moving the checkpoint with it. The caller holds the fence, so the
 * head does not move; a drain that ends before the head is an INTERNAL error.
 */
export async function drainChangelog(ctx: CutoverContext, session: DrainSession): Promise<DrainResult> {
  const { db, config } = ctx;
  let checkpoint = session.checkpoint;
  let events = 0;
  let batches = 0;
  for (;;) {
    const batch = readBatch(db, checkpoint, ctx.tables, { maxEvents: 10_000 });
    if (batch === null) break;
    await writeChanges(session.client, batch.changes, ctx.targets, config.sourceId, {
      onBadRow: config.onBadRow,
      asReplica: session.asReplica,
    });
    if (!(await advanceCheckpoint(session.client, config.sourceId, batch))) {
      throw new BridgeError(
        'BAD_STATE',
        `the checkpoint of source "${config.sourceId}" moved during the drain`,
        { hint: 'run `litebridge cutover` again' },
      );
    }
    checkpoint = batch.upTo;
    events += batch.events;
    batches++;
  }
  const head = changelogHead(db);
  if (checkpoint < head) {
    throw new BridgeError(
      'INTERNAL',
      `the drain stopped at ${checkpoint}, before the changelog head ${head}`,
    );
  }
  return { events, batches, checkpoint };
}

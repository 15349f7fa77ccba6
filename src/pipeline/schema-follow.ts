/**
 * The SQLite schema forward sync follows: read, captured and fingerprinted under one write lock
 * when sync starts, and again when the application changes it while sync runs.
 */
import { BridgeError } from '../errors.js';
import type { SourceSchema } from '../model/source-schema.js';
import type { TargetTable } from '../model/target-schema.js';
import { introspect } from '../schema/introspect.js';
import { pairTables, type ReplicatedTable } from '../schema/replicated.js';
import { diffSchemas, isAddition, type SchemaChange } from '../schema/schema-diff.js';
import { translate } from '../schema/translate.js';
import { type FollowedSchema, followSchema, sameCaptureTriggers } from '../sqlite/capture.js';
import { type ReconcileContext, reconcileTargets } from './reconcile.js';
import type { ForwardSides } from './sync-options.js';

/** The schema sync follows, as the batch reader and the apply need it. */
export interface FollowedTables {
  readonly source: SourceSchema;
  /** Each replicated table's source and target, by SQLite name. */
  readonly tables: ReadonlyMap<string, ReplicatedTable>;
  /** Each replicated table's target, by SQLite name. */
  readonly targets: ReadonlyMap<string, TargetTable>;
  /** The capture fingerprint right after capture was installed for this schema. */
  readonly fingerprint: string;
  /** `PRAGMA schema_version` at that moment: batches are read only under it. */
  readonly schemaVersion: number;
}

/**
 * Capture first: from here on every change is in the changelog, so a snapshot taken now misses
 * nothing. Only replicated tables are captured. The schema is read, captured and fingerprinted
 * under one write lock, so no schema change can slip between.
 */
export function captureAndFollow(sides: Pick<ForwardSides, 'db' | 'config'>): FollowedTables {
  const { db, config } = sides;
  const followed = followSchema(
    db,
    () => {
      const now = introspect(db);
      return { source: now, target: translate(now, config) };
    },
    { sourceId: config.sourceId },
  );
  return tablesOf(followed);
}

/**
 * The schema changed under sync: SQLite's whole schema now is compared with the one sync last
 * followed, so every change since is seen, however many arrived together. Tables, columns and
 * indexes the application added are followed: capture is installed on new tables first (under
 * the same write lock that read the schema), then PostgreSQL gains the columns, indexes and
 * tables (new tables copied after their capture was installed). Anything else (a table or
 * column dropped, renamed, retyped or redefined, a key or index changed, capture triggers
 * dropped by a table rebuild) stops sync naming every change: changes may have gone
 * uncaptured, and only the operator can say what PostgreSQL should do.
 */
export async function followSchemaChange(
  sides: ForwardSides,
  last: FollowedTables,
  checkpoint: bigint,
): Promise<FollowedTables> {
  const { db, config, log } = sides;
  let changes: SchemaChange[] = [];
  const followed = followSchema(
    db,
    (before) => {
      const source = introspect(db);
      changes = diffSchemas(last.source, source);
      const triggersKept = sameCaptureTriggers(before, last.fingerprint);
      if (!triggersKept || !changes.every(isAddition)) throw unfollowable(changes, triggersKept);
      return { source, target: translate(source, config) };
    },
    { sourceId: config.sourceId },
  );
  const now = tablesOf(followed);
  for (const change of changes) log.info({ change: change.message }, 'the SQLite schema changed');
  await reconcileTargets(
    reconcileContext(sides, now, checkpoint),
    // A table new to sync that PostgreSQL already has was copied (by the snapshot sync started
    // with) before its capture: rows written in between are only in SQLite.
    new Set(changes.filter((c) => c.kind === 'table-added').map((c) => c.table)),
  );
  return now;
}

/** Tables and columns SQLite gained while sync was stopped (capture is on them already). */
export async function reconcileAdded(
  sides: ForwardSides,
  followed: FollowedTables,
  checkpoint: bigint,
): Promise<void> {
  await reconcileTargets(reconcileContext(sides, followed, checkpoint));
}

function reconcileContext(sides: ForwardSides, followed: FollowedTables, seq: bigint): ReconcileContext {
  const { db, pool, config, log } = sides;
  const { tables, targets } = followed;
  return { db, pool, log, tables, targets, checkpoint: { sourceId: config.sourceId, seq } };
}

function tablesOf(followed: FollowedSchema): FollowedTables {
  return {
    source: followed.source,
    tables: pairTables(followed.source, followed.target),
    targets: new Map(followed.target.tables.map((t) => [t.source, t])),
    fingerprint: followed.fingerprint,
    schemaVersion: followed.schemaVersion,
  };
}

/** The error that stops sync on schema changes it cannot follow, naming each of them. */
function unfollowable(changes: readonly SchemaChange[], triggersKept: boolean): BridgeError {
  const what = changes.filter((c) => !isAddition(c)).map((c) => c.message);
  if (!triggersKept)
    what.push("litebridge's capture triggers were changed or dropped (a table rebuild drops them)");
  const followed = changes.filter(isAddition).map((c) => c.message);
  return new BridgeError('BAD_STATE', `the SQLite schema changed while sync ran: ${what.join('; ')}`, {
    details: { changes: what, ...(followed.length > 0 ? { additions: followed } : {}) },
    hint:
      'PostgreSQL cannot follow these changes on its own: for a dropped, renamed, retyped or rebuilt table, column ' +
      'or index, run `litebridge snapshot --replace`, then `litebridge sync`',
  });
}

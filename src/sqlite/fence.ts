/**
 * Installs, reads and removes the cutover's write fence in the application's SQLite file (the
 * triggers built by `fence-sql.ts`), each change in one `BEGIN IMMEDIATE` transaction.
 */
import { BridgeError, fromSqliteError } from '../errors.js';
import { quoteIdent } from '../schema/quote.js';
import { uninstallCapture } from './capture.js';
import { CAPTURE_FLAG_TABLE, dropTriggerSql, META_TABLE } from './capture-sql.js';
import { FENCE_AT_KEY, fenceTriggersSql, isFenceTriggerName } from './fence-sql.js';
import { inImmediate, type SqliteDatabase, tableExists } from './open.js';

/** The fence in a file. */
export interface FenceState {
  /** Fence triggers present. */
  readonly triggers: number;
  readonly installed: boolean;
  /** When it went up (from `_litebridge_meta`), or null. */
  readonly at: Date | null;
}

/** What `installFence` did. */
export interface FenceInstall {
  /** When the fence went up: now, or the time stored by an earlier, interrupted install. */
  readonly at: Date;
  /** Triggers created (0 when the fence was already complete). */
  readonly created: number;
}

/**
 * Puts the fence on `tables` (SQLite names), idempotently: waits for the application's write
 * lock, then every write to those tables fails while the capture flag is on. An earlier fence
 * time is kept, so a resumed cutover reports when the database really moved. Needs capture
 * installed (the triggers test its flag).
 */
export function installFence(db: SqliteDatabase, tables: readonly string[], at = new Date()): FenceInstall {
  return inImmediate(db, 'installing the write fence', () => {
    requireTable(db, CAPTURE_FLAG_TABLE);
    const stored = readFenceAt(db);
    const when = stored ?? at;
    const existing = fenceTriggers(db);
    let created = 0;
    for (const table of tables) {
      for (const trigger of fenceTriggersSql(table, { at: when })) {
        if (existing.has(trigger.name)) continue;
        db.exec(trigger.sql);
        created++;
      }
    }
    db.prepare(`INSERT OR REPLACE INTO ${quoteIdent(META_TABLE)} (key, value) VALUES (?, ?)`).run(
      FENCE_AT_KEY,
      when.toISOString(),
    );
    return { at: when, created };
  });
}

/** Drops every fence trigger and the stored fence time; returns the triggers dropped. */
export function removeFence(db: SqliteDatabase): number {
  return inImmediate(db, 'removing the write fence', () => {
    const names = [...fenceTriggers(db).keys()];
    for (const name of names) db.exec(dropTriggerSql(name));
    if (tableExists(db, META_TABLE)) {
      db.prepare(`DELETE FROM ${quoteIdent(META_TABLE)} WHERE key = ?`).run(FENCE_AT_KEY);
    }
    return names.length;
  });
}

/** Whether the fence is up, and since when. */
export function fenceState(db: SqliteDatabase): FenceState {
  try {
    const triggers = fenceTriggers(db).size;
    return { triggers, installed: triggers > 0, at: readFenceAt(db) };
  } catch (error) {
    throw fromSqliteError(error, 'reading the write fence failed');
  }
}

/**
 * After `finish`: removes change capture (triggers, changelog, flag and meta tables) and leaves
 * an unconditional fence on `tables`, in ONE transaction, so the application can never write to
 * the old file by mistake and there is no moment without the fence.
 */
export function finishFence(db: SqliteDatabase, tables: readonly string[], at: Date): number {
  return inImmediate(db, 'replacing capture with the final write fence', () => {
    uninstallCapture(db); // a savepoint inside this transaction; drops the cutover fence too
    let created = 0;
    for (const table of tables) {
      for (const trigger of fenceTriggersSql(table, { at, unconditional: true })) {
        db.exec(trigger.sql);
        created++;
      }
    }
    return created;
  });
}

/** Fence triggers in the file, name → stored SQL. */
function fenceTriggers(db: SqliteDatabase): Map<string, string> {
  const rows = db
    .prepare(
      "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_litebridge\\_%' ESCAPE '\\'",
    )
    .safeIntegers(false)
    .raw(true)
    .all() as [string, string][];
  return new Map(rows.filter(([name]) => isFenceTriggerName(name)));
}

function readFenceAt(db: SqliteDatabase): Date | null {
  if (!tableExists(db, META_TABLE)) return null;
  const value = db
    .prepare(`SELECT value FROM ${quoteIdent(META_TABLE)} WHERE key = ?`)
    .pluck()
    .get(FENCE_AT_KEY);
  if (typeof value !== 'string') return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at;
}

function requireTable(db: SqliteDatabase, name: string): void {
  if (!tableExists(db, name)) {
    throw new BridgeError(
      'BAD_STATE',
      `change capture is not installed in the SQLite file (no table "${name}")`,
      {
        hint: 'run `litebridge sync` first: cutover follows a running sync',
      },
    );
  }
}

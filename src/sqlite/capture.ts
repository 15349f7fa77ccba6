/**
 * Installs, checks and removes change capture in the application's SQLite file: the
 * `_litebridge_*` tables and the per-table triggers built by `capture-sql.ts`.
 */
import { BridgeError, fromSqliteError } from '../errors.js';
import type { SourceSchema } from '../model/source-schema.js';
import type { TargetSchema } from '../model/target-schema.js';
import { shortHash } from '../schema/names.js';
import { quoteIdent } from '../schema/quote.js';
import {
  CAPTURE_FLAG_TABLE,
  CAPTURE_PREFIX,
  CHANGELOG_TABLE,
  captureTablesSql,
  captureTriggersSql,
  dropTableSql,
  dropTriggerSql,
  isCaptureTriggerName,
  META_TABLE,
  setCaptureEnabledSql,
} from './capture-sql.js';
import { changelogHead } from './changelog.js';
import { inImmediate, type SqliteDatabase, schemaVersion } from './open.js';

/**
 * Version of the trigger and table layout. Bump it whenever `capture-sql.ts` changes what it
 * builds: an installation of another version has its triggers dropped and re-created.
 */
/**
 * Version 2: BEFORE triggers record rows a REPLACE removes for a secondary UNIQUE value.
 * Version 3: keys and UNIQUE values compared with their collation (NOCASE, RTRIM).
 * Version 4 (withdrawn, then measured again and replaced by 5): the split of version 5 alone.
 * Version 5: UPDATE split in two triggers (key kept: `_upd`, one INSERT; key changed: `_upk`),
 * and the flag read without a key (`SELECT enabled FROM _litebridge_capture`).
 */
export const CAPTURE_VERSION = 5;

export interface CaptureOptions {
  /** The source id this file is replicated as; one file is captured for one source. */
  readonly sourceId: string;
}

/** What `installCapture` changed. */
export interface InstallResult {
  /** Triggers created (0 when everything was already in place). */
  readonly created: number;
  /** Capture triggers dropped (stale, of another version, or of tables no longer replicated). */
  readonly dropped: number;
}

/** Installation state of capture in a file. */
export interface CaptureState {
  readonly installed: boolean;
  /** Stored CAPTURE_VERSION, or null. */
  readonly version: number | null;
  readonly sourceId: string | null;
  /** The capture flag (false while reverse replication writes, or when not installed). */
  readonly enabled: boolean;
  /** Capture triggers present. */
  readonly triggers: number;
  /** max(seq) of the changelog, 0 when empty or absent. */
  readonly head: bigint;
}

const LIKE_PREFIX = "name LIKE '\\_litebridge\\_%' ESCAPE '\\'";

/**
 * Installs capture for every table of `schema`, idempotently, in one `BEGIN IMMEDIATE`
 * transaction: creates the bookkeeping tables when missing, and makes the capture triggers
 * exactly those the builders produce for this schema (all re-created when the stored version
 * differs; otherwise only missing or different ones created, stale ones dropped). Refuses
 * (BAD_STATE) a file already captured for another source id.
 */
export function installCapture(
  db: SqliteDatabase,
  schema: SourceSchema,
  options: CaptureOptions,
): InstallResult {
  const wanted = new Map<string, string>();
  for (const table of schema.tables) {
    for (const trigger of captureTriggersSql(table)) wanted.set(trigger.name, trigger.sql);
  }
  return inImmediate(db, 'installing change capture', () => {
    for (const sql of captureTablesSql()) db.exec(sql);
    const meta = readMeta(db);
    const storedSource = meta.get('source_id');
    if (storedSource !== undefined && storedSource !== null && storedSource !== options.sourceId) {
      throw new BridgeError(
        'BAD_STATE',
        `the SQLite file is already captured for source "${String(storedSource)}", not "${options.sourceId}"`,
        {
          details: { stored: storedSource, sourceId: options.sourceId },
          hint: 'use the same --source-id, or run `litebridge uninstall` for the other source first',
        },
      );
    }
    const sameVersion = Number(meta.get('capture_version') ?? -1) === CAPTURE_VERSION;
    const existing = captureTriggers(db);
    let dropped = 0;
    let created = 0;
    for (const [name, sql] of existing) {
      if (!sameVersion || wanted.get(name) !== sql) {
        db.exec(dropTriggerSql(name));
        existing.delete(name);
        dropped++;
      }
    }
    for (const [name, sql] of wanted) {
      if (!existing.has(name)) {
        db.exec(sql);
        created++;
      }
    }
    const put = db.prepare(`INSERT OR REPLACE INTO ${quoteIdent(META_TABLE)} (key, value) VALUES (?, ?)`);
    put.run('capture_version', CAPTURE_VERSION);
    put.run('source_id', options.sourceId);
    return { created, dropped };
  });
}

/** Installs capture for the tables `target` replicates (skipped tables are not captured). */
export function installCaptureFor(
  db: SqliteDatabase,
  source: SourceSchema,
  target: TargetSchema,
  options: CaptureOptions,
): InstallResult {
  const replicated = new Set(target.tables.map((t) => t.source));
  return installCapture(
    db,
    { ...source, tables: source.tables.filter((t) => replicated.has(t.name)) },
    options,
  );
}

/** The schema capture follows, as read under the write lock that installed its triggers. */
export interface FollowedSchema {
  readonly source: SourceSchema;
  readonly target: TargetSchema;
  readonly installed: InstallResult;
  /** `captureFingerprint` right after the install, before any other connection could write. */
  readonly fingerprint: string;
  /** `PRAGMA schema_version` at that same moment. */
  readonly schemaVersion: number;
}

/**
 * Reads the schema, installs capture for it and takes its fingerprint in ONE `BEGIN IMMEDIATE`
 * transaction, so no schema change of the application can fall between what was read and what
 * the fingerprint covers (it would go unnoticed: the fingerprint would already include it).
 * `read` runs under the lock with the fingerprint as it was before the install; it may throw to
 * refuse what it finds (nothing is then changed).
 */
export function followSchema(
  db: SqliteDatabase,
  read: (before: string) => { readonly source: SourceSchema; readonly target: TargetSchema },
  options: CaptureOptions,
): FollowedSchema {
  return inImmediate(db, 'following the SQLite schema', () => {
    const { source, target } = read(captureFingerprint(db));
    const installed = installCaptureFor(db, source, target, options);
    return {
      source,
      target,
      installed,
      fingerprint: captureFingerprint(db),
      schemaVersion: schemaVersion(db),
    };
  });
}

/** Removes every `_litebridge_*` trigger, then every `_litebridge_*` table, in one transaction. */
export function uninstallCapture(db: SqliteDatabase): void {
  inImmediate(db, 'removing change capture', () => {
    const objects = db
      .prepare(
        `SELECT type, name FROM sqlite_schema WHERE type IN ('trigger', 'view', 'table') AND ${LIKE_PREFIX}`,
      )
      .safeIntegers(false)
      .all() as { type: string; name: string }[];
    for (const o of objects) if (o.type === 'trigger') db.exec(dropTriggerSql(o.name));
    for (const o of objects) if (o.type === 'view') db.exec(`DROP VIEW IF EXISTS ${quoteIdent(o.name)}`);
    for (const o of objects) if (o.type === 'table') db.exec(dropTableSql(o.name));
  });
}

/**
 * A string that changes whenever the file's schema changes (`PRAGMA schema_version`) or the
 * capture triggers differ: the sync loop re-introspects and re-installs when it does. Other
 * `_litebridge_*` triggers (the cutover's write fence) change only the schema version part.
 */
export function captureFingerprint(db: SqliteDatabase): string {
  try {
    const read = db.transaction(() => {
      const version = schemaVersion(db);
      // Capture triggers only: the cutover's write fence (also `_litebridge_*`) is not capture.
      const sqls = (
        db
          .prepare(
            `SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND ${LIKE_PREFIX} ORDER BY name`,
          )
          .safeIntegers(false)
          .raw(true)
          .all() as [string, string][]
      ).filter(([name]) => isCaptureTriggerName(name));
      const triggers = shortHash(sqls.map(([n, s]) => `${n}\n${s}`).join('\n\n'));
      return `${String(version)}:${triggers}`;
    });
    return read.deferred();
  } catch (error) {
    throw fromSqliteError(error, 'reading the capture fingerprint failed');
  }
}

/** A capture fingerprint taken apart: what `captureFingerprint` puts together. */
export interface CaptureFingerprintParts {
  /** `PRAGMA schema_version` when the fingerprint was taken. */
  readonly schemaVersion: number;
  /** A hash of the capture triggers' names and SQL (the cutover's fence triggers are not in it). */
  readonly triggers: string;
}

/** Takes a fingerprint made by `captureFingerprint` apart into its schema version and trigger hash. */
export function parseCaptureFingerprint(fingerprint: string): CaptureFingerprintParts {
  const at = fingerprint.indexOf(':');
  return { schemaVersion: Number(fingerprint.slice(0, at)), triggers: fingerprint.slice(at + 1) };
}

/** Whether two fingerprints cover the same capture triggers (the schema version may differ). */
export function sameCaptureTriggers(a: string, b: string): boolean {
  return parseCaptureFingerprint(a).triggers === parseCaptureFingerprint(b).triggers;
}

/** Whether capture is installed, its version and source, the flag, trigger count and head seq. */
export function captureState(db: SqliteDatabase): CaptureState {
  try {
    return db
      .transaction((): CaptureState => {
        const present = new Set(
          db
            .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND ${LIKE_PREFIX}`)
            .pluck()
            .safeIntegers(false)
            .all() as string[],
        );
        const triggers = captureTriggers(db).size;
        const installed =
          present.has(CHANGELOG_TABLE) && present.has(CAPTURE_FLAG_TABLE) && present.has(META_TABLE);
        if (!installed)
          return { installed, version: null, sourceId: null, enabled: false, triggers, head: 0n };
        const meta = readMeta(db);
        const enabled = db
          .prepare(`SELECT enabled FROM ${quoteIdent(CAPTURE_FLAG_TABLE)} WHERE id = 1`)
          .pluck()
          .get();
        const version = meta.get('capture_version');
        const sourceId = meta.get('source_id');
        return {
          installed,
          version: version === undefined || version === null ? null : Number(version),
          sourceId: sourceId === undefined || sourceId === null ? null : String(sourceId),
          enabled: enabled !== undefined && enabled !== null && Number(enabled) !== 0,
          triggers,
          head: changelogHead(db),
        };
      })
      .deferred();
  } catch (error) {
    throw fromSqliteError(error, 'reading the capture state failed');
  }
}

/**
 * Switches every capture trigger on or off. Reverse replication calls it with false and true
 * inside its own transaction, so the rows it writes are never captured.
 */
export function setCaptureEnabled(db: SqliteDatabase, enabled: boolean): void {
  db.exec(setCaptureEnabledSql(enabled));
}

/** Capture triggers in the file, name → stored SQL. */
function captureTriggers(db: SqliteDatabase): Map<string, string> {
  const rows = db
    .prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND ${LIKE_PREFIX}`)
    .safeIntegers(false)
    .raw(true)
    .all() as [string, string][];
  return new Map(rows.filter(([name]) => isCaptureTriggerName(name) && name.startsWith(CAPTURE_PREFIX)));
}

function readMeta(db: SqliteDatabase): Map<string, unknown> {
  const rows = db
    .prepare(`SELECT key, value FROM ${quoteIdent(META_TABLE)}`)
    .raw(true)
    .all() as [string, unknown][];
  return new Map(rows);
}

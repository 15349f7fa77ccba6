/**
 * What every cutover step works on: the SQLite file, a PostgreSQL pool, and the replicated
 * tables as sync sees them (introspected and translated with the same configuration).
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { SourceSchema } from '../model/source-schema.js';
import type { TargetSchema, TargetTable } from '../model/target-schema.js';
import { ensureMetadata } from '../pg/metadata.js';
import { createPool, type PgPool, ping } from '../pg/pool.js';
import { introspect } from '../schema/introspect.js';
import { pairTables, type ReplicatedTable } from '../schema/replicated.js';
import { translate } from '../schema/translate.js';
import { openSqlite, type SqliteDatabase } from '../sqlite/open.js';

/** The open connections and table models one cutover, rollback or finish uses. */
export interface CutoverContext {
  readonly config: Config;
  readonly log: Logger;
  readonly db: SqliteDatabase;
  readonly pool: PgPool;
  readonly source: SourceSchema;
  readonly target: TargetSchema;
  /** Replicated tables by SQLite name: both models (what the changelog reader needs). */
  readonly tables: ReadonlyMap<string, ReplicatedTable>;
  /** PostgreSQL models by SQLite name (what the batch apply needs). */
  readonly targets: ReadonlyMap<string, TargetTable>;
}

/** Opens the SQLite file (read-write: the fence is written there) and a pool of `max` sessions. */
export async function openContext(
  config: Config,
  log: Logger,
  applicationName: string,
  max = 4,
): Promise<CutoverContext> {
  const db = openSqlite(config.sqlitePath);
  const pool = createPool(config.pgUrl, { max, applicationName });
  try {
    const source = introspect(db);
    const target = translate(source, config);
    await ping(pool);
    await ensureMetadata(pool);
    const tables = pairTables(source, target);
    const targets = new Map(target.tables.map((t) => [t.source, t]));
    return { config, log, db, pool, source, target, tables, targets };
  } catch (error) {
    db.close();
    await pool.end();
    throw error;
  }
}

/** Closes what `openContext` opened. */
export async function closeContext(ctx: CutoverContext): Promise<void> {
  ctx.db.close();
  await ctx.pool.end();
}

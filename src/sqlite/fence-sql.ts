/**
 * Pure builders of the cutover's write fence: per replicated table, three BEFORE triggers that
 * abort the application's INSERT, UPDATE and DELETE with a message saying the database moved to
 * PostgreSQL. Named `_litebridge_<table>_fence_{i,u,d}`: never a capture trigger suffix, so
 * capture's install, fingerprint and schema-change checks leave the fence alone.
 */
import { quoteIdent, quoteLiteral } from '../schema/quote.js';
import { CAPTURE_FLAG_TABLE, CAPTURE_PREFIX, captureTriggerNames } from './capture-sql.js';

/** Fence trigger suffixes, one per operation (none of them ends like a capture trigger). */
export const FENCE_SUFFIXES = ['_fence_i', '_fence_u', '_fence_d'] as const;

/** `_litebridge_meta` key holding when the fence went up (ISO-8601 UTC). */
export const FENCE_AT_KEY = 'fence_at';

/** A fence trigger: its name and its CREATE statement. */
export interface FenceTrigger {
  readonly name: string;
  readonly sql: string;
}

/** How a fence behaves. */
export interface FenceOptions {
  /** When the database moved to PostgreSQL: shown in the error the application gets. */
  readonly at: Date;
  /**
   * false (cutover): the triggers fire only while the capture flag is on, so reverse
   * replication, which mutes capture inside its own transaction, still writes.
   * true (after `finish`, capture removed): every write is refused.
   */
  readonly unconditional?: boolean;
}

/** True when `name` is the name of a fence trigger. */
export function isFenceTriggerName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith(CAPTURE_PREFIX) && FENCE_SUFFIXES.some((s) => lower.endsWith(s));
}

/** The three fence trigger names of a table (same readable/hashed base as its capture triggers). */
export function fenceTriggerNames(table: string): { ins: string; upd: string; del: string } {
  const base = captureTriggerNames(table).ins.slice(0, -'_ins'.length);
  return { ins: `${base}_fence_i`, upd: `${base}_fence_u`, del: `${base}_fence_d` };
}

/** The message a fenced write fails with. */
export function fenceMessage(table: string, at: Date): string {
  return (
    `litebridge: this database moved to PostgreSQL at ${at.toISOString()}; ` +
    `writes to "${table}" are refused here. Write to PostgreSQL instead ` +
    '(`litebridge rollback` brings the application back to SQLite)'
  );
}

/** The fence triggers of one table: BEFORE INSERT, UPDATE and DELETE raising ABORT. */
export function fenceTriggersSql(table: string, options: FenceOptions): FenceTrigger[] {
  const names = fenceTriggerNames(table);
  const on = quoteIdent(table);
  const when =
    options.unconditional === true
      ? ''
      : ` WHEN (SELECT enabled FROM ${quoteIdent(CAPTURE_FLAG_TABLE)} WHERE id = 1) = 1`;
  const raise = `SELECT RAISE(ABORT, ${quoteLiteral(fenceMessage(table, options.at))});`;
  const trigger = (name: string, event: string): FenceTrigger => ({
    name,
    sql: `CREATE TRIGGER ${quoteIdent(name)} BEFORE ${event} ON ${on} FOR EACH ROW${when}\nBEGIN\n  ${raise}\nEND`,
  });
  return [trigger(names.ins, 'INSERT'), trigger(names.upd, 'UPDATE'), trigger(names.del, 'DELETE')];
}

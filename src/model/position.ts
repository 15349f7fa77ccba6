/**
 * PostgreSQL WAL positions (LSNs) as reverse replication, rollback and finish compare them:
 * PostgreSQL prints `X/Y` (two hex halves); litebridge compares them as 64-bit numbers.
 */
import { BridgeError } from '../errors.js';

/** An LSN `X/Y` (hex halves) as a 64-bit number. Throws INTERNAL for anything else. */
export function parseLsn(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (m === null) throw new BridgeError('INTERNAL', `"${lsn}" is not a PostgreSQL LSN`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** A 64-bit position as PostgreSQL prints an LSN (`16/B374D848`). */
export function formatLsn(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** True when `lsn` is past `than`; a null `than` (no position yet) is before every LSN. */
export function isLsnAfter(lsn: string, than: string | null): boolean {
  return than === null || parseLsn(lsn) > parseLsn(than);
}

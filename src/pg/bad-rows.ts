import { CodecError, renderValue } from '../codec/index.js';
import { rawValue } from '../codec/raw-value.js';
import type { OnBadRow } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { SqlValue } from '../model/sql-value.js';
import type { TargetTable } from '../model/target-schema.js';
import type { Reject } from './metadata.js';

/** `id=42, code='x'`: a row key as the operator reads it. */
export function formatKey(key: Readonly<Record<string, SqlValue>>): string {
  return Object.entries(key)
    .map(([column, value]) => `${column}=${renderValue(value)}`)
    .join(', ');
}

/**
 * Decides what happens to a row the codec refused: with `stop`, a DATA error naming table,
 * key, column and value; with `quarantine`, a Reject holding the raw row. Anything that is not
 * a CodecError is rethrown untouched.
 */
export function badRow(
  error: unknown,
  mode: OnBadRow,
  target: TargetTable,
  key: Readonly<Record<string, SqlValue>>,
  row: readonly SqlValue[],
): Reject {
  if (!(error instanceof CodecError)) throw error;
  const where = `table "${target.source}", key ${formatKey(key)}, column "${error.column}"`;
  if (mode === 'stop') {
    throw new BridgeError('DATA', `${where}: ${error.message}`, {
      cause: error,
      details: { table: target.source, key: formatKey(key), column: error.column, value: error.value },
      hint:
        error.hint ??
        'fix the value in SQLite, override the column in the config file, or run with --on-bad-row=quarantine to keep such rows in litebridge.rejects',
    });
  }
  return {
    table: target.source,
    key: Object.fromEntries(Object.entries(key).map(([c, v]) => [c, rawValue(v)])),
    column: error.column,
    value: error.value,
    reason: error.message,
    row: Object.fromEntries(target.columns.map((c, i) => [c.source.name, rawValue(row[i] ?? null)])),
  };
}

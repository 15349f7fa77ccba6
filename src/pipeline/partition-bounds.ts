import { encoderFor } from '../codec/index.js';
import type { SourceTable } from '../model/source-schema.js';
import type { TargetTable } from '../model/target-schema.js';
import type { SqliteDatabase } from '../sqlite/open.js';
import { columnValues } from '../sqlite/snapshot-read.js';

/**
 * The first and last day holding data in a partitioned table's partition column, read through
 * the codec (so offsets and formats are normalised exactly as the copy will write them).
 * Values the codec refuses are skipped here: the copy reports them. An empty table gives today.
 */
export function partitionBounds(
  db: SqliteDatabase,
  source: SourceTable,
  target: TargetTable,
): { from: Date; to: Date } {
  const spec = target.partitioning!;
  const column = target.columns.find((c) => c.name === spec.column)!;
  const encode = encoderFor(column);
  let min: string | null = null;
  let max: string | null = null;
  for (const value of columnValues(db, source.name, column.source.name)) {
    let text: string | null;
    try {
      text = encode(value);
    } catch {
      continue;
    }
    if (text === null) continue;
    if (min === null || text < min) min = text;
    if (max === null || text > max) max = text;
  }
  const today = new Date();
  return { from: min === null ? today : dayOf(min), to: max === null ? today : dayOf(max) };
}

/** The UTC day of an encoded 'YYYY-MM-DD…' value. */
function dayOf(encoded: string): Date {
  return new Date(
    Date.UTC(Number(encoded.slice(0, 4)), Number(encoded.slice(5, 7)) - 1, Number(encoded.slice(8, 10))),
  );
}

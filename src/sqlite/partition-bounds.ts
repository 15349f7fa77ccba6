import { encoderFor } from '../codec/index.js';
import type { SourceTable } from '../model/source-schema.js';
import type { TargetTable } from '../model/target-schema.js';
import { wantedHorizon } from '../schema/partition-names.js';
import type { SqliteDatabase } from './open.js';
import { columnValues } from './snapshot-read.js';

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

/**
 * The range the snapshot partitions: from the data's first day to its last day or the horizon
 * (`premake` intervals past `now`), whichever is later, so rows written after the snapshot land in
 * real partitions (see schema/partition-names.ts).
 */
export function snapshotPartitionRange(
  db: SqliteDatabase,
  source: SourceTable,
  target: TargetTable,
  now: Date = new Date(),
): { from: Date; to: Date } {
  const { from, to } = partitionBounds(db, source, target);
  return { from, to: latest(to, lastHorizonInstant(target, now)) };
}

/** The last instant below the horizon the invariant asks for at `now`. */
export function lastHorizonInstant(target: TargetTable, now: Date): Date {
  const spec = target.partitioning!;
  return new Date(wantedHorizon(now, spec.interval, spec.premake).getTime() - 1);
}

function latest(a: Date, b: Date): Date {
  return a > b ? a : b;
}

/** The UTC day of an encoded 'YYYY-MM-DD…' value. */
function dayOf(encoded: string): Date {
  return new Date(
    Date.UTC(Number(encoded.slice(0, 4)), Number(encoded.slice(5, 7)) - 1, Number(encoded.slice(8, 10))),
  );
}

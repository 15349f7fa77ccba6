/**
 * The one convention for time partitions, shared by the snapshot, sync, `partitions --maintain`
 * and a later pg_partman hand-over:
 *
 * - bounds are UTC: a day starts at 00:00 UTC, a week on Monday (ISO 8601, as `date_trunc('week')`),
 *   a month on its first day; each partition is `[start, next start)`;
 * - names are pg_partman v5's: `<table>_pYYYYMMDD` (the start day, for every interval), and
 *   `<table>_default` for the DEFAULT partition; past 63 bytes the table part is shortened with
 *   a hash (`suffixedName`);
 * - partitions are contiguous from the first one to the horizon (the upper bound of the newest
 *   one), and the horizon is at least `premake` intervals past now. Rows inside
 *   `[first start, horizon)` always sit in a real partition; only outliers (before the first
 *   partition, or further past the horizon than `OUTLIER_INTERVALS`) may sit in DEFAULT.
 */
import type { PartitionInterval, TargetTable } from '../model/target-schema.js';
import { suffixedName } from './names.js';

/**
 * Partitions kept ahead of now when the configuration says nothing: pg_partman's own default
 * (`p_premake` 4), so the horizon litebridge keeps is the one pg_partman keeps after a hand-over,
 * and four intervals leave days (or weeks) to notice a stopped maintenance before rows reach DEFAULT.
 */
export const DEFAULT_PREMAKE = 4;

/**
 * A row further than this many intervals past the horizon is an outlier: it goes to DEFAULT (and
 * is counted) instead of making sync create every partition up to it (a typo like year 9999).
 */
export const OUTLIER_INTERVALS = 400;

/** Start of the partition holding `at` (UTC; weeks start on Monday as in ISO 8601). */
export function partitionStart(at: Date, interval: PartitionInterval): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  if (interval === 'month') return new Date(Date.UTC(y, m, 1));
  if (interval === 'day') return new Date(Date.UTC(y, m, d));
  return new Date(Date.UTC(y, m, d - ((at.getUTCDay() + 6) % 7)));
}

/** Start of the partition after the one starting at `start`. */
export function nextPartitionStart(start: Date, interval: PartitionInterval): Date {
  return addIntervals(start, interval, 1);
}

/** `at` moved by `n` whole intervals (n may be negative); a month step keeps the day within the month. */
export function addIntervals(at: Date, interval: PartitionInterval, n: number): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  const rest = at.getTime() - Date.UTC(y, m, d);
  if (interval === 'month') {
    const last = new Date(Date.UTC(y, m + n + 1, 0)).getUTCDate();
    return new Date(Date.UTC(y, m + n, Math.min(d, last)) + rest);
  }
  return new Date(Date.UTC(y, m, d + n * (interval === 'day' ? 1 : 7)) + rest);
}

/**
 * The horizon the invariant asks for at `now`: the upper bound of the partition holding
 * `now + premake intervals` (as pg_partman's premake: the current partition plus `premake` ahead).
 */
export function wantedHorizon(now: Date, interval: PartitionInterval, premake: number): Date {
  return addIntervals(partitionStart(now, interval), interval, premake + 1);
}

/** How many intervals `horizon` is past `now` (fractional; negative when it is behind). */
export function intervalsAhead(now: Date, horizon: Date, interval: PartitionInterval): number {
  let whole = 0;
  let at = partitionStart(now, interval);
  // Count whole partitions from now's own, then the fraction of now's partition already gone.
  if (horizon >= at) {
    while (addIntervals(at, interval, 1) <= horizon) {
      at = addIntervals(at, interval, 1);
      whole++;
    }
  } else {
    while (at > horizon) {
      at = addIntervals(at, interval, -1);
      whole--;
    }
  }
  const own = partitionStart(now, interval);
  const length = nextPartitionStart(own, interval).getTime() - own.getTime();
  return whole - (now.getTime() - own.getTime()) / length;
}

/** Partition name of the range starting at `start`: `<table>_pYYYYMMDD` (pg_partman v5). */
export function partitionName(table: string, start: Date): string {
  return suffixedName(table, `_p${start.toISOString().slice(0, 10).replaceAll('-', '')}`);
}

/** Name of the DEFAULT partition: `<table>_default` (pg_partman's too). */
export function defaultPartitionName(table: string): string {
  return suffixedName(table, '_default');
}

/** A bound as a PostgreSQL literal for the partition column's type (UTC midnight). */
export function boundLiteral(at: Date, type: string | undefined): string {
  const day = at.toISOString().slice(0, 10);
  if (type === 'date') return `'${day}'`;
  if (type === 'timestamptz') return `'${day} 00:00:00+00'`;
  return `'${day} 00:00:00'`;
}

/** PostgreSQL type of a partitioned table's partition column. */
export function partitionColumnType(table: TargetTable): string | undefined {
  const column = table.partitioning?.column;
  return table.columns.find((c) => c.name === column)?.type;
}

/** pg_partman's interval text for `create_parent` (`p_interval`). */
export function partmanInterval(interval: PartitionInterval): string {
  return interval === 'day' ? '1 day' : interval === 'week' ? '1 week' : '1 month';
}

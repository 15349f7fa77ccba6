/**
 * PostgreSQL's text of a timestamp, timestamptz or date → the value a SQLite date/time column
 * holds: ISO text in UTC, or a number when the column's `timeInput` says how numbers are read.
 */
import type { SqlValue } from '../model/sql-value.js';
import type { TimeInput } from '../model/target-schema.js';
import { formatDate, formatTimestamp, parseDateTime, parts } from './datetime.js';

/** Days from 1970-01-01 to the civil date (H. Hinnant's days-from-civil, exact in doubles). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Whole seconds since 1970 of the instant in {@link parts}. */
function epochSeconds(): number {
  return (
    daysFromCivil(parts.year, parts.month, parts.day) * 86400 +
    parts.hour * 3600 +
    parts.minute * 60 +
    parts.second
  );
}

/** Julian day number of 1970-01-01 00:00 UTC. */
const JULIAN_EPOCH_DAYS = 2440587.5;

/**
 * The SQLite value for PostgreSQL's text of a date/time value, or `{ reason }` when the text is not
 * one SQLite's date/time columns can hold (infinity, BC dates, years past 9999):
 * - `text`: `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC for timestamp/timestamptz, `YYYY-MM-DD` for date;
 * - `unixepoch`: integer seconds, or real seconds with the microseconds as the fraction;
 * - `unixepoch-ms`: integer milliseconds, or real milliseconds with the microseconds as the fraction;
 * - `julianday`: real days.
 */
export function decodeTime(
  type: 'timestamp' | 'timestamptz' | 'date',
  timeInput: TimeInput,
  text: string,
): SqlValue | { readonly reason: string } {
  const reason = parseDateTime(text);
  if (reason !== null) return { reason };
  switch (timeInput) {
    case 'text':
      return type === 'date' ? formatDate() : formatTimestamp();
    case 'unixepoch': {
      const seconds = epochSeconds();
      return parts.micro === 0 ? BigInt(seconds) : seconds + parts.micro / 1e6;
    }
    case 'unixepoch-ms': {
      const ms = epochSeconds() * 1000;
      return parts.micro % 1000 === 0 ? BigInt(ms + parts.micro / 1000) : ms + parts.micro / 1000;
    }
    case 'julianday':
      return (epochSeconds() * 1000 + parts.micro / 1000) / 86400000 + JULIAN_EPOCH_DAYS;
  }
}

/**
 * PostgreSQL's text of a timestamp, timestamptz or date → the value a SQLite date/time column
 * holds: ISO text in UTC, or a number when the column's `timeInput` says how numbers are read.
 */
import type { SqlValue } from '../model/sql-value.js';
import type { TimeInput } from '../model/target-schema.js';
import { daysFromCivil, formatDate, formatTimestamp, parseDateTime, parts } from './datetime.js';

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

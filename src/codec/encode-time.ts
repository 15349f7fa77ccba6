import type { SqlValue } from '../model/sql-value.js';
import type { TimeInput } from '../model/target-schema.js';
import { CodecError, kindOf, renderValue } from './codec-error.js';
import {
  formatDate,
  formatParsedTimestamp,
  formatTimestamp,
  isMidnight,
  MAX_EPOCH_SECONDS,
  MIN_EPOCH_SECONDS,
  parseDateTime,
  parts,
  setFromEpoch,
} from './datetime.js';
import type { Encoder } from './encoder.js';

/** The three date/time target types. */
export type TimeType = 'timestamp' | 'timestamptz' | 'date';

/** Sets `parts` from a number read as `timeInput`; null or the reason it is not an instant. */
type NumberReader = (value: number | bigint) => string | null;

const MIN_SECONDS_N = BigInt(MIN_EPOCH_SECONDS);
const MAX_SECONDS_N = BigInt(MAX_EPOCH_SECONDS);
/** Milliseconds from julian day 0 to 1970-01-01 00:00 UTC (julian day 2440587.5). */
const JULIAN_EPOCH_MS = 210866760000000;
const OUT_OF_RANGE = 'the instant is outside years 0001-9999';

function fromMilliseconds(ms: number, subMicro: number): string | null {
  const seconds = Math.floor(ms / 1000);
  return setFromEpoch(seconds, (ms - seconds * 1000) * 1000 + subMicro);
}

/** Seconds since 1970 (integer, or real rounded to the microsecond). */
const unixSeconds: NumberReader = (value) => {
  if (typeof value === 'bigint') {
    return value >= MIN_SECONDS_N && value <= MAX_SECONDS_N ? setFromEpoch(Number(value), 0) : OUT_OF_RANGE;
  }
  if (!Number.isFinite(value)) return 'it is not a finite number';
  let seconds = Math.floor(value);
  let micro = Math.round((value - seconds) * 1e6);
  if (micro === 1e6) {
    seconds++;
    micro = 0;
  }
  return setFromEpoch(seconds, micro);
};

/** Milliseconds since 1970 (integer, or real rounded to the microsecond). */
const unixMilliseconds: NumberReader = (value) => {
  if (typeof value === 'bigint') {
    return value >= MIN_SECONDS_N * 1000n && value <= MAX_SECONDS_N * 1000n + 999n
      ? fromMilliseconds(Number(value), 0)
      : OUT_OF_RANGE;
  }
  if (!Number.isFinite(value)) return 'it is not a finite number';
  let ms = Math.floor(value);
  let sub = Math.round((value - ms) * 1000);
  if (sub === 1000) {
    ms++;
    sub = 0;
  }
  return fromMilliseconds(ms, sub);
};

/** Julian day number, rounded to the millisecond as SQLite's date functions do. */
const julianDay: NumberReader = (value) => {
  if (typeof value === 'bigint' && (value < 0n || value > 10_000_000n)) return OUT_OF_RANGE;
  const days = Number(value);
  if (!Number.isFinite(days)) return 'it is not a finite number';
  return fromMilliseconds(Math.round(days * 86400000) - JULIAN_EPOCH_MS, 0);
};

const NUMBER_READERS: Readonly<Record<Exclude<TimeInput, 'text'>, NumberReader>> = {
  unixepoch: unixSeconds,
  'unixepoch-ms': unixMilliseconds,
  julianday: julianDay,
};

/**
 * Encoder for timestamp, timestamptz and date columns. Text is read as ISO-8601 (see datetime.ts)
 * whatever `timeInput` says; numbers only as `timeInput` says (refused with 'text').
 */
export function timeEncoder(column: string, type: TimeType, timeInput: TimeInput): Encoder {
  const kind = type === 'date' ? 'date' : 'date/time';
  const invalid = (value: SqlValue, reason: string, hint?: string): CodecError => {
    const shown = typeof value === 'string' ? renderValue(value) : `${kindOf(value)} ${renderValue(value)}`;
    return new CodecError(
      column,
      value,
      `${shown} is not a valid ${kind} for ${type} column "${column}": ${reason}`,
      hint,
    );
  };
  const readNumber = timeInput === 'text' ? null : NUMBER_READERS[timeInput];
  const numberHint =
    'set `timeInput: "unixepoch"` (or "unixepoch-ms", "julianday") for the column in the config file, ' +
    'or cast it to text or numeric (cast: "text" keeps text dates and numbers alike)';
  const textHint =
    'cast the column to text in the config file (cast: "text") to keep such values as they are';

  const output =
    type === 'timestamp'
      ? (): string => formatTimestamp()
      : type === 'timestamptz'
        ? (): string => formatTimestamp() + '+00'
        : (value: SqlValue): string => {
            if (isMidnight()) return formatDate();
            throw invalid(
              value,
              `it has a time of day (${formatTimestamp().slice(11)} UTC) that date would drop`,
              'cast the column to text in the config file (cast: "text") to keep the time of day',
            );
          };

  return (value: SqlValue): string | null => {
    if (value === null) return null;
    if (typeof value === 'string') {
      const reason = parseDateTime(value);
      if (reason !== null) throw invalid(value, reason, textHint);
      if (type === 'timestamp') return formatParsedTimestamp(value);
      if (type === 'timestamptz') return formatParsedTimestamp(value) + '+00';
      return parts.dateOnly ? value : output(value);
    }
    if (typeof value === 'number' || typeof value === 'bigint') {
      if (readNumber === null) {
        throw invalid(value, 'numbers are read as dates only when the column says how', numberHint);
      }
      const reason = readNumber(value);
      if (reason !== null) throw invalid(value, `read as ${timeInput}, ${reason}`, textHint);
      return output(value);
    }
    throw invalid(value, 'a blob is never a date', 'cast the column to bytea in the config file');
  };
}

/**
 * Hand-written ISO-8601 date/time parsing and formatting shared by the timestamp, timestamptz and
 * date encoders and by verify's comparison. No `Date`: it is slow, lenient and millisecond-only.
 *
 * Accepted text: `YYYY-MM-DD`, or that followed by a space or `T` and `HH:MM`, `HH:MM:SS` or
 * `HH:MM:SS.f…` (1+ fraction digits), then optionally `Z` or an offset `±HH:MM` / `±HH` (the form
 * PostgreSQL prints). Years 0001-9999, real calendar days, hour < 24, minute and second < 60.
 * More than 6 fraction digits are accepted only when the extra ones are zeros. Offsets are applied
 * (the result is UTC), as SQLite's own date functions do.
 *
 * Results land in one module-level scratch record (no allocation per value); read them right away.
 */

/** Fields of the last parsed or converted instant, in UTC. Overwritten by every call. */
export interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0-999999. */
  micro: number;
  /** The text was already `YYYY-MM-DD HH:MM:SS[.f]` with 1-6 fraction digits, none trailing zero. */
  canonical: boolean;
  /** The text held only a date. */
  dateOnly: boolean;
  /** The text had seconds and no offset other than zero: its digits can be sliced as they are. */
  sliceable: boolean;
  /** Fraction digits up to the last non-zero one (0-6). */
  fracDigits: number;
}

/** The scratch record every function below reads or writes. */
export const parts: DateTimeParts = {
  year: 0,
  month: 0,
  day: 0,
  hour: 0,
  minute: 0,
  second: 0,
  micro: 0,
  canonical: false,
  dateOnly: false,
  sliceable: false,
  fracDigits: 0,
};

const SHAPE = 'expected YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][Z|±HH:MM]';
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + i);

/** Seconds since 1970 of 0001-01-01 00:00:00 and of 9999-12-31 23:59:59. */
export const MIN_EPOCH_SECONDS = -62135596800;
export const MAX_EPOCH_SECONDS = 253402300799;

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function daysIn(y: number, m: number): number {
  return m === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[m]!;
}

/** Two ASCII digits at `i` as a number, or -1. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Parses `text` into {@link parts}. Returns null on success, else the reason it is not a valid
 * date/time (e.g. `month 13 is not 01-12`).
 */
export function parseDateTime(text: string): string | null {
  const n = text.length;
  if (n < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return SHAPE;
  const hi = two(text, 0);
  const lo = two(text, 2);
  const month = two(text, 5);
  const day = two(text, 8);
  if (hi < 0 || lo < 0 || month < 0 || day < 0) return SHAPE;
  const year = hi * 100 + lo;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let micro = 0;
  let offset = 0;
  let canonical = false;
  let hasSeconds = false;
  let fracDigits = 0;
  const dateOnly = n === 10;
  if (!dateOnly) {
    const sep = text.charCodeAt(10);
    if ((sep !== 32 && sep !== 84) || n < 16 || text.charCodeAt(13) !== 58) return SHAPE;
    hour = two(text, 11);
    minute = two(text, 14);
    if (hour < 0 || minute < 0) return SHAPE;
    let i = 16;
    if (i < n && text.charCodeAt(i) === 58) {
      second = two(text, 17);
      if (second < 0) return SHAPE;
      i = 19;
      hasSeconds = true;
      canonical = sep === 32;
      if (i < n && text.charCodeAt(i) === 46) {
        const start = ++i;
        let scale = 100000;
        let lastDigit = 0;
        let lost = false;
        for (; i < n; i++) {
          const d = text.charCodeAt(i) - 48;
          if (d < 0 || d > 9) break;
          if (scale >= 1) {
            micro += d * scale;
            if (d !== 0) fracDigits = i - start + 1;
          } else if (d !== 0) lost = true;
          scale /= 10;
          lastDigit = d;
        }
        if (i === start) return SHAPE;
        if (lost) {
          return `fraction .${text.slice(start, i)} has more than 6 digits; PostgreSQL would round it to microseconds`;
        }
        if (i - start > 6 || lastDigit === 0) canonical = false;
      }
    }
    if (i < n) {
      canonical = false;
      const c = text.charCodeAt(i);
      if (c === 90 && i + 1 === n) {
        // 'Z': already UTC
      } else if ((c === 43 || c === 45) && (i + 3 === n || (i + 6 === n && text.charCodeAt(i + 3) === 58))) {
        const oh = two(text, i + 1);
        const om = i + 3 === n ? 0 : two(text, i + 4);
        if (oh < 0 || om < 0) return SHAPE;
        if (oh > 14 || om > 59) return `offset ${text.slice(i)} is out of range`;
        offset = (c === 45 ? -1 : 1) * (oh * 60 + om);
      } else {
        return SHAPE;
      }
    }
  }
  if (year < 1) return 'year 0000 is not 0001-9999';
  if (month < 1 || month > 12) return `month ${TWO_DIGITS[month]} is not 01-12`;
  if (day < 1 || day > daysIn(year, month)) {
    return `day ${TWO_DIGITS[day]} does not exist in ${text.slice(0, 7)}`;
  }
  if (hour > 23) return `hour ${TWO_DIGITS[hour]} is not 00-23`;
  if (minute > 59) return `minute ${TWO_DIGITS[minute]} is not 00-59`;
  if (second > 59) return `second ${TWO_DIGITS[second]} is not 00-59`;
  parts.year = year;
  parts.month = month;
  parts.day = day;
  parts.hour = hour;
  parts.minute = minute;
  parts.second = second;
  parts.micro = micro;
  parts.canonical = canonical;
  parts.dateOnly = dateOnly;
  parts.sliceable = hasSeconds && offset === 0;
  parts.fracDigits = fracDigits;
  if (offset !== 0) return shiftMinutes(-offset);
  return null;
}

/** Moves {@link parts} by a number of minutes (|minutes| < one day). */
function shiftMinutes(minutes: number): string | null {
  let m = parts.hour * 60 + parts.minute + minutes;
  let { year, month, day } = parts;
  if (m < 0) {
    m += 1440;
    if (--day < 1) {
      if (--month < 1) {
        month = 12;
        year--;
      }
      day = daysIn(year, month);
    }
  } else if (m >= 1440) {
    m -= 1440;
    if (++day > daysIn(year, month)) {
      day = 1;
      if (++month > 12) {
        month = 1;
        year++;
      }
    }
  }
  if (year < 1 || year > 9999) return 'the instant in UTC is outside years 0001-9999';
  parts.year = year;
  parts.month = month;
  parts.day = day;
  parts.hour = Math.floor(m / 60);
  parts.minute = m % 60;
  return null;
}

/** Days from 1970-01-01 to the civil date (H. Hinnant's days-from-civil, exact in doubles). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Sets {@link parts} from whole seconds since 1970-01-01 UTC and a microsecond (0-999999).
 * Returns null, or a reason when the instant is outside years 0001-9999.
 */
export function setFromEpoch(seconds: number, micro: number): string | null {
  if (!(seconds >= MIN_EPOCH_SECONDS && seconds <= MAX_EPOCH_SECONDS)) {
    return 'the instant is outside years 0001-9999';
  }
  const days = Math.floor(seconds / 86400);
  const sod = seconds - days * 86400;
  // civil-from-days (H. Hinnant), exact integer arithmetic in doubles.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  parts.year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  parts.month = month;
  parts.day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  parts.hour = Math.floor(sod / 3600);
  parts.minute = Math.floor((sod % 3600) / 60);
  parts.second = sod % 60;
  parts.micro = micro;
  parts.canonical = false;
  parts.dateOnly = false;
  parts.sliceable = false;
  return null;
}

/** `YYYY-MM-DD` of {@link parts}. */
export function formatDate(): string {
  const y = parts.year;
  const year = y >= 1000 ? String(y) : String(y).padStart(4, '0');
  return year + '-' + TWO_DIGITS[parts.month] + '-' + TWO_DIGITS[parts.day];
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` of {@link parts}, fraction without trailing zeros. */
export function formatTimestamp(): string {
  const out =
    formatDate() +
    ' ' +
    TWO_DIGITS[parts.hour] +
    ':' +
    TWO_DIGITS[parts.minute] +
    ':' +
    TWO_DIGITS[parts.second];
  return parts.micro === 0 ? out : out + '.' + fraction(parts.micro);
}

/**
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` of the text {@link parseDateTime} just accepted: the text itself
 * when already canonical, slices of it when no offset moved it, else {@link formatTimestamp}.
 */
export function formatParsedTimestamp(text: string): string {
  if (parts.canonical) return text;
  if (!parts.sliceable) return formatTimestamp();
  const base = text.charCodeAt(10) === 32 ? text.slice(0, 19) : text.slice(0, 10) + ' ' + text.slice(11, 19);
  return parts.fracDigits === 0 ? base : base + text.slice(19, 20 + parts.fracDigits);
}

/** Whether {@link parts} is exactly midnight. */
export function isMidnight(): boolean {
  return parts.hour === 0 && parts.minute === 0 && parts.second === 0 && parts.micro === 0;
}

function fraction(micro: number): string {
  let digits = String(micro).padStart(6, '0');
  let end = 6;
  while (digits.charCodeAt(end - 1) === 48) end--;
  if (end < 6) digits = digits.slice(0, end);
  return digits;
}

/**
 * Decimal text helpers shared by the numeric, float and integer encoders and by comparison:
 * a strict literal scanner, exponent expansion and a canonical form for equality by value.
 */

/** Shape of the last literal {@link scanDecimal} accepted. Overwritten by every call. */
export interface DecimalShape {
  negative: boolean;
  intStart: number;
  intEnd: number;
  fracStart: number;
  fracEnd: number;
  /** Value of the exponent part (0 without one), clamped to ±1e9. */
  exponent: number;
  hasExponent: boolean;
  /** Some mantissa digit is not zero. */
  nonZero: boolean;
}

/** The scratch shape {@link scanDecimal} fills. */
export const shape: DecimalShape = {
  negative: false,
  intStart: 0,
  intEnd: 0,
  fracStart: 0,
  fracEnd: 0,
  exponent: 0,
  hasExponent: false,
  nonZero: false,
};

/** PostgreSQL numeric limits: digits before the decimal point, and after it (display scale). */
const NUMERIC_MAX_INT_DIGITS = 131072;
const NUMERIC_MAX_SCALE = 16383;

/**
 * Whether `s` is exactly `[+-]?(D+(.D*)?|.D+)([eE][+-]?D+)?` (no spaces, no hex, no words).
 * On success {@link shape} describes it.
 */
export function scanDecimal(s: string): boolean {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  shape.negative = c === 45;
  if (c === 45 || c === 43) c = s.charCodeAt(++i);
  let nonZero = false;
  shape.intStart = i;
  while (c >= 48 && c <= 57) {
    if (c !== 48) nonZero = true;
    c = s.charCodeAt(++i);
  }
  shape.intEnd = i;
  let frac = i;
  if (c === 46) {
    frac = ++i;
    c = s.charCodeAt(i);
    while (c >= 48 && c <= 57) {
      if (c !== 48) nonZero = true;
      c = s.charCodeAt(++i);
    }
  }
  shape.fracStart = frac;
  shape.fracEnd = i;
  if (shape.intEnd === shape.intStart && i === frac) return false;
  shape.nonZero = nonZero;
  shape.exponent = 0;
  shape.hasExponent = false;
  if (i === n) return true;
  if (c !== 101 && c !== 69) return false;
  c = s.charCodeAt(++i);
  const negativeExponent = c === 45;
  if (c === 45 || c === 43) c = s.charCodeAt(++i);
  const start = i;
  let exponent = 0;
  while (c >= 48 && c <= 57) {
    if (exponent < 1e9) exponent = exponent * 10 + (c - 48);
    c = s.charCodeAt(++i);
  }
  if (i === start || i !== n) return false;
  shape.hasExponent = true;
  shape.exponent = negativeExponent ? -exponent : exponent;
  return true;
}

/**
 * Plain decimal text (no exponent) of a literal {@link scanDecimal} just accepted in `s`, keeping
 * PostgreSQL's display scale (`1.50e1` → `15.0`, `1e21` → `1000000000000000000000`,
 * `1.5e-7` → `0.00000015`). Null when numeric cannot hold it (too many digits or too large a scale).
 */
export function plainDecimal(s: string): string | null {
  const { intStart, intEnd, fracStart, fracEnd, exponent } = shape;
  if (exponent > 2 * NUMERIC_MAX_INT_DIGITS || exponent < -2 * NUMERIC_MAX_INT_DIGITS) return null;
  const digits = s.slice(intStart, intEnd) + s.slice(fracStart, fracEnd);
  const point = intEnd - intStart + exponent;
  if (digits.length - point > NUMERIC_MAX_SCALE) return null;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  let lead = 0;
  while (out.charCodeAt(lead) === 48 && out.charCodeAt(lead + 1) >= 48 && out.charCodeAt(lead + 1) <= 57)
    lead++;
  if (lead > 0) out = out.slice(lead);
  const dot = out.indexOf('.');
  if ((dot < 0 ? out.length : dot) > NUMERIC_MAX_INT_DIGITS) return null;
  return shape.negative ? '-' + out : out;
}

/**
 * A canonical form of a decimal literal or `Infinity`/`-Infinity`/`NaN` for equality by value
 * (`1.50` and `1.5` and `15e-1` give the same; `-0` and `0` too). Null when `s` is not one.
 */
export function canonicalDecimal(s: string): string | null {
  if (s === 'Infinity' || s === '-Infinity' || s === 'NaN') return s;
  if (s === '+Infinity') return 'Infinity';
  if (!scanDecimal(s)) return null;
  if (!shape.nonZero) return '0';
  let digits = s.slice(shape.intStart, shape.intEnd) + s.slice(shape.fracStart, shape.fracEnd);
  let point = shape.intEnd - shape.intStart + shape.exponent;
  let start = 0;
  while (digits.charCodeAt(start) === 48) start++;
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 48) end--;
  point -= start;
  digits = digits.slice(start, end);
  return (shape.negative ? '-' : '') + digits + 'e' + point;
}

/**
 * Shortest round-trip text of a double as PostgreSQL's float8 input reads it: `String(x)`, but
 * `-0` for negative zero and `Infinity`/`-Infinity`. Null for NaN (no SQLite REAL is NaN).
 */
export function floatText(x: number): string | null {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (Number.isNaN(x)) return null;
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return String(x);
}

/**
 * The double a float literal denotes: a decimal literal, or `Infinity`, `+Infinity`, `-Infinity`.
 * NaN for anything else and for literals that overflow or underflow to zero, which PostgreSQL
 * refuses too (`1e400`, `1e-400`).
 */
export function parseFloatLiteral(s: string): number {
  if (s === 'Infinity' || s === '+Infinity') return Infinity;
  if (s === '-Infinity') return -Infinity;
  if (!scanDecimal(s)) return Number.NaN;
  const x = Number(s);
  if (x === Infinity || x === -Infinity) return Number.NaN;
  if (x === 0 && shape.nonZero) return Number.NaN;
  return x;
}

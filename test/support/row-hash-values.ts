/**
 * Random SQLite values for every PostgreSQL type litebridge writes, weighted towards the values
 * that make canonical texts hard: int64 extremes, -0, ±Infinity, subnormals, numeric display
 * scale, record_out's quoting characters, U+00A0 and astral characters, years before 1000,
 * microseconds, jsonb key order, duplicate keys, escapes and number spellings.
 */
import fc from 'fast-check';
import type { SqlValue } from '../../src/model/sql-value.js';
import type { PgType, TargetColumn, TimeInput } from '../../src/model/target-schema.js';

/** A target column of `type` named `name` (what the hash and codec look at). */
export function column(
  name: string,
  type: PgType,
  timeInput: TimeInput = 'text',
  variant = false,
): TargetColumn {
  return {
    ...(variant ? { variant: true } : {}),
    source: { kind: 'column', name },
    name,
    type,
    declaredType: type,
    notNull: false,
    default: null,
    identity: false,
    collation: null,
    timeInput,
    reason: 'test',
  };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Text made of record_out's special characters, whitespace of every kind and non-ASCII. */
const trickyText = fc
  .array(
    fc.oneof(
      fc.constantFrom('"', '\\', '(', ')', ',', ' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u2028'),
      fc.constantFrom('é', 'ß', '€', '😀', '𝄞', '中', "'", 'NULL', 'x', '{', '}', '[', ']'),
      fc.string({ unit: 'binary', maxLength: 4 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

const integer = (min: bigint, max: bigint): fc.Arbitrary<SqlValue> =>
  fc.oneof(
    fc.bigInt({ min, max }),
    fc.constantFrom(min, max, 0n, -1n, 1n),
    fc.bigInt({ min: -1000n, max: 1000n }).map((n) => n.toString()),
    fc.integer({ min: -1000, max: 1000 }).map((n) => n + 0.0),
  );

const doubleValue: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.double(),
  fc.constantFrom(-0, 0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308),
  fc.constantFrom(Number.MAX_VALUE, 0.1, 1 / 3, 1e21, 1e-7, 123456789.12345679),
  fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => String(x)),
  fc.constantFrom('1e2', '-0', '0.10', '  ', 'Infinity', '1.5E-3'),
);

const realValue: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.float().map((x) => x + 0),
  fc.constantFrom(-0, 0, Infinity, -Infinity, 1.401298464324817e-45, 0.5, 0.1),
  fc.integer({ min: -(2 ** 24), max: 2 ** 24 }).map(BigInt),
);

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));

const numericValue: fc.Arbitrary<SqlValue> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', '-', '+'),
      digits(1, 25),
      fc.option(digits(0, 20)),
      fc.option(fc.integer({ min: -30, max: 30 })),
    )
    .map(
      ([sign, int, frac, exp]) =>
        `${sign}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `e${exp}`}`,
    ),
  fc.constantFrom(
    '0',
    '0.000',
    '-0.0',
    '1.0',
    '1e2',
    '1.50',
    '100',
    'Infinity',
    '-Infinity',
    '0.1e-10',
    '.5',
    '5.',
  ),
  fc.double({ noNaN: true }),
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
);

const bytesValue: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
  trickyText,
);

const booleanValue: fc.Arbitrary<SqlValue> = fc.oneof(
  { arbitrary: fc.constantFrom<SqlValue>(0n, 1n), weight: 4 },
  // Refused: boolean gives back 0/1 only.
  fc.constantFrom<SqlValue>(0, 1, 'true', 'f', 'yes', 'NO', 'T', '1', 2n),
);

const dateParts = fc.record({
  year: fc.oneof(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 999 })),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
});
const timeParts = fc.record({
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.integer({ min: 0, max: 59 }),
  fraction: fc.option(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 999_999 }))),
  separator: fc.constantFrom(' ', 'T'),
  zone: fc.constantFrom('', '', 'Z', '+00:00', '+05:30', '-08:00'),
});

const timestampText = fc.tuple(dateParts, timeParts).map(([d, t]) => {
  const fraction = t.fraction === null ? '' : `.${pad(t.fraction[1], 6).slice(0, t.fraction[0])}`;
  return (
    `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}${t.separator}` +
    `${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}${fraction}${t.zone}`
  );
});

const timestampValue: fc.Arbitrary<SqlValue> = fc.oneof(
  timestampText,
  dateParts.map((d) => `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`),
  fc.constantFrom('2025-07-23 10:00:00.000000', '0999-12-31 23:59:59.999999', '2024-02-29T12:00:00Z'),
);

const dateValue: fc.Arbitrary<SqlValue> = fc.oneof(
  dateParts.map((d) => `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`),
  fc.constantFrom('0001-01-01', '0500-06-15 00:00:00', '2025-07-23T00:00:00Z'),
);

/** JSON documents: random ones, and the spellings jsonb normalises (key order, duplicates, numbers, escapes). */
const jsonValue: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v, null, 1)),
  fc.constantFrom(
    '{"b": 1, "a": 2}',
    '{"a": 1, "a": 2}',
    '{"a": {"z": [1.0, 1e2, -0, 0.0, 1E-2, 1.50]}, "": null}',
    '{"k": "\\u00e9\\n\\"q\\"\\\\ \\ud83d\\ude00 \\u001f"}',
    '[1.0, 1e2, -0, 0.10, 100, 1e-7, 123456789.123456790]',
    '"a string"',
    '-0',
    '1.0',
    '1e2',
    'true',
    'null',
    '{"aa": 1, "b": 2, "ab": 3, "é": 4, "e": 5}',
    '  { "x" : [ ] , "y" : { } }  ',
  ),
  trickyText.map((s) => JSON.stringify({ [s]: s })),
  // NUMERIC affinity stores JSON number text as INTEGER or REAL.
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  fc.double({ noNaN: true }),
);

const textValue: fc.Arbitrary<SqlValue> = fc.oneof(
  trickyText,
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('', ' ', '""', '\\\\', '(1,2)', 'NULL', 'a\u0000b'),
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  fc.double(),
  fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)),
);

/** SQLite values (any storage class the column may hold) for a column of `type`. */
/** Values of every storage class, as a column without declared type (a jsonb variant) holds them. */
export function variantValues(): fc.Arbitrary<SqlValue> {
  return fc.option(
    fc.oneof(
      textValue,
      fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
      doubleValue.filter((v) => typeof v === 'number'),
      fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)),
    ),
    { freq: 8 },
  );
}

export function valuesFor(type: PgType): fc.Arbitrary<SqlValue> {
  const arbitrary = ((): fc.Arbitrary<SqlValue> => {
    switch (type) {
      case 'bigint':
        return integer(INT64_MIN, INT64_MAX);
      case 'integer':
        return integer(-(2n ** 31n), 2n ** 31n - 1n);
      case 'smallint':
        return integer(-(2n ** 15n), 2n ** 15n - 1n);
      case 'double precision':
        return doubleValue;
      case 'real':
        return realValue;
      case 'numeric':
        return numericValue;
      case 'text':
        return textValue;
      case 'bytea':
        return bytesValue;
      case 'boolean':
        return booleanValue;
      case 'timestamp':
      case 'timestamptz':
        return timestampValue;
      case 'date':
        return dateValue;
      case 'jsonb':
        return jsonValue;
    }
  })();
  return fc.option(arbitrary, { freq: 8 });
}

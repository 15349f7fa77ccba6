import type { SqlValue } from '../../src/model/sql-value.js';
import type { PgType, TimeInput } from '../../src/model/target-schema.js';

/** Column name every case is encoded for; error substrings quote it as `"col"`. */
export const CASE_COLUMN = 'col';

/** One encoder case: the exact encoded text (null = SQL NULL), or a substring of the error message. */
export type CodecCase =
  | {
      readonly type: PgType;
      readonly timeInput?: TimeInput;
      /** A jsonb column used as a tagged variant (no declared type, STRICT ANY). */
      readonly variant?: boolean;
      readonly input: SqlValue;
      readonly expect: string | null;
    }
  | {
      readonly type: PgType;
      readonly timeInput?: TimeInput;
      readonly variant?: boolean;
      readonly input: SqlValue;
      readonly error: string;
    };

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const ok = (type: PgType, input: SqlValue, expect: string | null, timeInput?: TimeInput): CodecCase =>
  timeInput === undefined ? { type, input, expect } : { type, input, expect, timeInput };
const bad = (type: PgType, input: SqlValue, error: string, timeInput?: TimeInput): CodecCase =>
  timeInput === undefined ? { type, input, error } : { type, input, error, timeInput };

const INT64 = '(-9223372036854775808 to 9223372036854775807)';

const integers: CodecCase[] = [
  ok('bigint', null, null),
  ok('bigint', 9223372036854775807n, '9223372036854775807'),
  ok('bigint', -9223372036854775808n, '-9223372036854775808'),
  ok('bigint', 0n, '0'),
  ok('bigint', 42, '42'),
  ok('bigint', -0, '0'),
  ok('bigint', 2 ** 53, '9007199254740992'),
  ok('bigint', 2 ** 60, '1152921504606846976'),
  ok('bigint', -(2 ** 63), '-9223372036854775808'),
  bad(
    'bigint',
    2 ** 63,
    `real 9223372036854776000 cannot be stored in bigint column "col": out of range ${INT64}`,
  ),
  bad('bigint', 1.5, 'real 1.5 cannot be stored in bigint column "col": it is not an integer'),
  bad('bigint', Number.POSITIVE_INFINITY, 'it is not an integer'),
  ok('bigint', '123', '123'),
  ok('bigint', '-9223372036854775808', '-9223372036854775808'),
  bad('bigint', '9223372036854775808', `out of range ${INT64}`),
  bad('bigint', 'abc', `text 'abc' cannot be stored in bigint column "col"`),
  bad('bigint', '007', 'it is not a decimal integer'),
  bad('bigint', '-0', 'it is not a decimal integer'),
  bad('bigint', ' 1', 'it is not a decimal integer'),
  bad('bigint', '1e3', 'it is not a decimal integer'),
  bad('bigint', '+1', 'it is not a decimal integer'),
  bad('bigint', '', `text '' cannot be stored in bigint column "col"`),
  bad('bigint', bytes(1), `blob x'01' (1 byte) cannot be stored in bigint column "col"`),
  ok('integer', 2147483647n, '2147483647'),
  ok('integer', -2147483648n, '-2147483648'),
  bad(
    'integer',
    2147483648n,
    'integer 2147483648 cannot be stored in integer column "col": out of range (-2147483648 to 2147483647)',
  ),
  bad('integer', '2147483648', 'out of range (-2147483648 to 2147483647)'),
  ok('integer', -2147483648, '-2147483648'),
  ok('smallint', 32767n, '32767'),
  ok('smallint', '-32768', '-32768'),
  bad('smallint', 32768n, 'out of range (-32768 to 32767)'),
  bad(
    'smallint',
    -32769,
    'real -32769 cannot be stored in smallint column "col": out of range (-32768 to 32767)',
  ),
];

const floats: CodecCase[] = [
  ok('double precision', null, null),
  ok('double precision', 0.1, '0.1'),
  ok('double precision', 1 / 3, '0.3333333333333333'),
  ok('double precision', 5e-324, '5e-324'),
  ok('double precision', 1.7976931348623157e308, '1.7976931348623157e+308'),
  ok('double precision', -0, '-0'),
  ok('double precision', 0, '0'),
  ok('double precision', Number.POSITIVE_INFINITY, 'Infinity'),
  ok('double precision', Number.NEGATIVE_INFINITY, '-Infinity'),
  ok('double precision', 1e21, '1e+21'),
  ok('double precision', 123.456, '123.456'),
  bad('double precision', Number.NaN, 'NaN is not a value SQLite stores'),
  ok('double precision', 9007199254740992n, '9007199254740992'),
  ok('double precision', 1152921504606846976n, '1152921504606846976'),
  ok('double precision', -9223372036854775808n, '-9223372036854775808'),
  bad('double precision', 9007199254740993n, 'the nearest double is 9007199254740992; digits would be lost'),
  bad('double precision', 9223372036854775807n, 'digits would be lost'),
  ok('double precision', '1.5', '1.5'),
  ok('double precision', '1.50', '1.5'),
  ok('double precision', '.5', '0.5'),
  ok('double precision', '-0', '-0'),
  ok('double precision', 'Infinity', 'Infinity'),
  ok('double precision', '-Infinity', '-Infinity'),
  ok('double precision', '0.1000000000000000055511151231257827', '0.1'),
  ok('double precision', '1e-320', '1e-320'),
  bad('double precision', '1e400', 'it is not a finite float literal'),
  bad('double precision', '1e-400', 'it is not a finite float literal'),
  bad('double precision', 'NaN', 'it is not a finite float literal'),
  bad('double precision', ' 1.5', 'it is not a finite float literal'),
  bad('double precision', '0x10', 'it is not a finite float literal'),
  bad('double precision', 'abc', `text 'abc' cannot be stored in double precision column "col"`),
  bad(
    'double precision',
    bytes(1, 2),
    `blob x'0102' (2 bytes) cannot be stored in double precision column "col"`,
  ),
  ok('real', 0.5, '0.5'),
  ok('real', Math.fround(0.1), '0.10000000149011612'),
  ok('real', -0, '-0'),
  ok('real', Number.NEGATIVE_INFINITY, '-Infinity'),
  ok('real', 16777216n, '16777216'),
  ok('real', '0.25', '0.25'),
  bad(
    'real',
    0.1,
    'real 0.1 cannot be stored in real column "col": float4 would round it to 0.10000000149011612',
  ),
  bad('real', 1e39, 'float4 would round it to Infinity'),
  bad('real', 16777217n, 'float4 would round it to 16777216'),
  bad('real', '0.1', 'float4 would round it to 0.10000000149011612'),
  bad('real', Number.NaN, 'it is not a finite float literal'),
];

const numerics: CodecCase[] = [
  ok('numeric', null, null),
  ok('numeric', 9223372036854775807n, '9223372036854775807'),
  ok('numeric', -9223372036854775808n, '-9223372036854775808'),
  ok('numeric', 0.1, '0.1'),
  ok('numeric', 1 / 3, '0.3333333333333333'),
  ok('numeric', 1e21, '1000000000000000000000'),
  ok('numeric', -1e21, '-1000000000000000000000'),
  ok('numeric', 1.5e-7, '0.00000015'),
  ok('numeric', 5e-324, '0.' + '0'.repeat(323) + '5'),
  ok('numeric', 1.7976931348623157e308, '17976931348623157' + '0'.repeat(292)),
  ok('numeric', -0, '0'),
  ok('numeric', Number.POSITIVE_INFINITY, 'Infinity'),
  ok('numeric', Number.NEGATIVE_INFINITY, '-Infinity'),
  bad('numeric', Number.NaN, 'NaN is not a value SQLite stores'),
  ok('numeric', '1.50', '1.50'),
  ok('numeric', '-1.5e3', '-1500'),
  ok('numeric', '1.50e1', '15.0'),
  ok('numeric', '1e-3', '0.001'),
  ok('numeric', '+5', '+5'),
  ok('numeric', '007.5', '007.5'),
  ok('numeric', '.5', '.5'),
  ok('numeric', 'Infinity', 'Infinity'),
  ok('numeric', '+Infinity', 'Infinity'),
  ok('numeric', '1e131071', '1' + '0'.repeat(131071)),
  ok('numeric', '1e-16383', '0.' + '0'.repeat(16382) + '1'),
  bad('numeric', '1e131072', 'numeric cannot hold that many digits'),
  bad('numeric', '1e-16384', 'numeric cannot hold that many digits'),
  bad('numeric', '1e999999999999', 'numeric cannot hold that many digits'),
  bad('numeric', 'NaN', 'it is not a decimal number'),
  bad('numeric', 'abc', `text 'abc' cannot be stored in numeric column "col": it is not a decimal number`),
  bad('numeric', '1,5', 'it is not a decimal number'),
  bad('numeric', bytes(), `blob x'' (0 bytes) cannot be stored in numeric column "col"`),
];

const texts: CodecCase[] = [
  ok('text', null, null),
  ok('text', 'plain', 'plain'),
  ok('text', '', ''),
  ok('text', '\\N', '\\N'),
  ok('text', 'a\\b', 'a\\b'),
  ok('text', 'a\tb\nc\rd', 'a\tb\nc\rd'),
  ok('text', '\\.', '\\.'),
  ok('text', "it's", "it's"),
  ok('text', '\uFFFD', '\uFFFD'),
  ok('text', '😀 emoji', '😀 emoji'),
  bad(
    'text',
    'abcdefghijklmnopq\0r',
    'text contains a NUL byte (U+0000) at offset 17; PostgreSQL text cannot hold it',
  ),
  bad('text', 'a\0b', `value 'a\\u0000b' for text column "col"`),
  bad(
    'text',
    utf8('héllo'),
    `blob x'68c3a96c6c6f' (6 bytes) cannot be stored in text column "col": text would give the blob back as text`,
  ),
  bad('text', bytes(0xef, 0xbb, 0xbf, 0x61), 'text would give the blob back as text'),
  bad(
    'text',
    bytes(0xff),
    `blob x'ff' (1 byte) cannot be stored in text column "col": invalid UTF-8 at byte offset 0`,
  ),
  bad('text', bytes(0x61, 0xc3), 'invalid UTF-8 at byte offset 1'),
  bad('text', bytes(0x61, 0x62, 0xc0, 0x80), 'invalid UTF-8 at byte offset 2'),
  bad('text', bytes(0xed, 0xa0, 0x80), 'invalid UTF-8 at byte offset 0'),
  bad('text', bytes(0xf4, 0x90, 0x80, 0x80), 'invalid UTF-8 at byte offset 0'),
  bad('text', bytes(0x61, 0x00), 'text would give the blob back as text'),
  ok('text', 9223372036854775807n, '9223372036854775807'),
  ok('text', 0.1, '0.1'),
  ok('text', -0, '-0'),
  ok('text', 1e21, '1e+21'),
  ok('text', 1.7976931348623157e308, '1.7976931348623157e+308'),
  ok('text', 5e-324, '5e-324'),
  ok('text', Number.POSITIVE_INFINITY, '9e999'),
  ok('text', Number.NEGATIVE_INFINITY, '-9e999'),
];

const byteas: CodecCase[] = [
  ok('bytea', null, null),
  ok('bytea', bytes(0, 1, 0xab, 0xff), '\\x0001abff'),
  ok('bytea', bytes(), '\\x'),
  bad(
    'bytea',
    'hé',
    `text 'hé' cannot be stored in bytea column "col": bytea would give the text back as a blob`,
  ),
  bad('bytea', 'a\0b', 'bytea would give the text back as a blob'),
  bad('bytea', 5n, 'integer 5 cannot be stored in bytea column "col"'),
  bad('bytea', 1.5, 'real 1.5 cannot be stored in bytea column "col"'),
];

const booleans: CodecCase[] = [
  ok('boolean', null, null),
  ok('boolean', 0n, 'f'),
  ok('boolean', 1n, 't'),
  bad('boolean', 2n, 'integer 2 cannot be stored in boolean column "col": boolean gives back 0/1 only'),
  bad('boolean', -1n, 'boolean gives back 0/1 only'),
  bad('boolean', 0, 'real 0 cannot be stored in boolean column "col": boolean gives back 0/1 only'),
  bad('boolean', 1, 'boolean gives back 0/1 only'),
  bad('boolean', 0.5, 'boolean gives back 0/1 only'),
  ...['true', 'false', 't', 'f', '1', '0', 'yes', 'no', 'True', 'maybe', ' t', 'on'].map((s) =>
    bad('boolean', s, `text '${s}' cannot be stored in boolean column "col": boolean gives back 0/1 only`),
  ),
  bad('boolean', bytes(1), 'boolean gives back 0/1 only'),
];

const notValid = (text: string, type = 'timestamp'): string =>
  `'${text}' is not a valid ${type === 'date' ? 'date' : 'date/time'} for ${type} column "col"`;

const timestamps: CodecCase[] = [
  ok('timestamp', null, null),
  ok('timestamp', '2025-07-23 19:47:09.319724', '2025-07-23 19:47:09.319724'),
  ok('timestamp', '2025-07-23 17:43:20.412660', '2025-07-23 17:43:20.41266'),
  ok('timestamp', '2025-07-23', '2025-07-23 00:00:00'),
  ok('timestamp', '2025-07-23 10:00', '2025-07-23 10:00:00'),
  ok('timestamp', '2025-07-23T10:00', '2025-07-23 10:00:00'),
  ok('timestamp', '2025-07-23 10:00:05', '2025-07-23 10:00:05'),
  ok('timestamp', '2025-07-23T10:00:05', '2025-07-23 10:00:05'),
  ok('timestamp', '2025-07-23T10:00:05Z', '2025-07-23 10:00:05'),
  ok('timestamp', '2025-07-23T10:00:05.5Z', '2025-07-23 10:00:05.5'),
  ok('timestamp', '2025-07-23 10:00Z', '2025-07-23 10:00:00'),
  ok('timestamp', '2025-07-23 10:00:00+00:00', '2025-07-23 10:00:00'),
  ok('timestamp', '2025-07-23 10:00:00+00', '2025-07-23 10:00:00'),
  ok('timestamp', '2025-07-23 21:00:00+02:00', '2025-07-23 19:00:00'),
  ok('timestamp', '2025-07-23 21:00+02:00', '2025-07-23 19:00:00'),
  ok('timestamp', '2025-07-23 01:00:00+02:00', '2025-07-22 23:00:00'),
  ok('timestamp', '2025-03-01 00:30:00+01:00', '2025-02-28 23:30:00'),
  ok('timestamp', '2024-03-01 00:30:00+01:00', '2024-02-29 23:30:00'),
  ok('timestamp', '2025-01-01 00:30:00+01:00', '2024-12-31 23:30:00'),
  ok('timestamp', '2024-12-31 23:30:00-01:00', '2025-01-01 00:30:00'),
  ok('timestamp', '2024-02-28 23:30:00-01:00', '2024-02-29 00:30:00'),
  ok('timestamp', '2025-07-23 23:59:59.999999-05:30', '2025-07-24 05:29:59.999999'),
  ok('timestamp', '2025-07-23 10:00:00+14:00', '2025-07-22 20:00:00'),
  ok('timestamp', '2024-02-29 12:00:00', '2024-02-29 12:00:00'),
  ok('timestamp', '2000-02-29', '2000-02-29 00:00:00'),
  ok('timestamp', '2025-07-23 10:00:00.123456000', '2025-07-23 10:00:00.123456'),
  ok('timestamp', '2025-07-23 10:00:00.000001', '2025-07-23 10:00:00.000001'),
  ok('timestamp', '2025-07-23 10:00:00.5', '2025-07-23 10:00:00.5'),
  ok('timestamp', '2025-07-23 10:00:00.000', '2025-07-23 10:00:00'),
  ok('timestamp', '0001-01-01 00:00:00', '0001-01-01 00:00:00'),
  ok('timestamp', '0999-12-31', '0999-12-31 00:00:00'),
  ok('timestamp', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999'),
  bad(
    'timestamp',
    '2023-02-29 12:00:00',
    `${notValid('2023-02-29 12:00:00')}: day 29 does not exist in 2023-02`,
  ),
  bad('timestamp', '1900-02-29', 'day 29 does not exist in 1900-02'),
  bad('timestamp', '2025-04-31', 'day 31 does not exist in 2025-04'),
  bad('timestamp', '2025-13-01 10:00', `${notValid('2025-13-01 10:00')}: month 13 is not 01-12`),
  bad('timestamp', '2025-00-01', 'month 00 is not 01-12'),
  bad('timestamp', '2025-07-00', 'day 00 does not exist in 2025-07'),
  bad('timestamp', '2025-07-23 24:00:00', 'hour 24 is not 00-23'),
  bad('timestamp', '2025-07-23 10:60', 'minute 60 is not 00-59'),
  bad('timestamp', '2025-07-23 10:00:60', 'second 60 is not 00-59'),
  bad(
    'timestamp',
    '2025-07-23 10:00:00.123456789',
    'fraction .123456789 has more than 6 digits; PostgreSQL would round it to microseconds',
  ),
  bad('timestamp', '2025-07-23 10:00:00.', 'expected YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][Z|±HH:MM]'),
  bad('timestamp', '0000-01-01', 'year 0000 is not 0001-9999'),
  bad('timestamp', '0001-01-01 00:30:00+01:00', 'the instant in UTC is outside years 0001-9999'),
  bad('timestamp', '9999-12-31 23:30:00-01:00', 'the instant in UTC is outside years 0001-9999'),
  bad('timestamp', '2025-7-23', 'expected YYYY-MM-DD'),
  bad('timestamp', '2025/07/23', 'expected YYYY-MM-DD'),
  bad('timestamp', '2025-07-23 10:00:00 +02:00', 'expected YYYY-MM-DD'),
  bad('timestamp', '2025-07-23 10:00:00+0200', 'expected YYYY-MM-DD'),
  bad('timestamp', '2025-07-23 10:00:00+15:00', 'offset +15:00 is out of range'),
  bad('timestamp', '2025-07-23 1:00', 'expected YYYY-MM-DD'),
  bad('timestamp', ' 2025-07-23', 'expected YYYY-MM-DD'),
  bad('timestamp', '2025-07-23 ', 'expected YYYY-MM-DD'),
  bad('timestamp', 'now', `${notValid('now')}: expected YYYY-MM-DD`),
  bad(
    'timestamp',
    1721764029n,
    'integer 1721764029 is not a valid date/time for timestamp column "col": numbers are read as dates only when the column says how',
  ),
  bad('timestamp', 1721764029.5, 'real 1721764029.5 is not a valid date/time'),
  bad('timestamp', bytes(0x32), 'a blob is never a date'),
  ok('timestamp', 1721764029n, '2024-07-23 19:47:09', 'unixepoch'),
  ok('timestamp', 1721764029.319724, '2024-07-23 19:47:09.319724', 'unixepoch'),
  ok('timestamp', 1721764029, '2024-07-23 19:47:09', 'unixepoch'),
  ok('timestamp', 0n, '1970-01-01 00:00:00', 'unixepoch'),
  ok('timestamp', -1n, '1969-12-31 23:59:59', 'unixepoch'),
  ok('timestamp', -0.5, '1969-12-31 23:59:59.5', 'unixepoch'),
  ok('timestamp', 0.9999996, '1970-01-01 00:00:01', 'unixepoch'),
  ok('timestamp', 253402300799n, '9999-12-31 23:59:59', 'unixepoch'),
  ok('timestamp', -62135596800n, '0001-01-01 00:00:00', 'unixepoch'),
  ok('timestamp', 951782400n, '2000-02-29 00:00:00', 'unixepoch'),
  ok('timestamp', '2025-07-23 10:00', '2025-07-23 10:00:00', 'unixepoch'),
  bad('timestamp', 253402300800n, 'read as unixepoch, the instant is outside years 0001-9999', 'unixepoch'),
  bad('timestamp', -62135596801n, 'the instant is outside years 0001-9999', 'unixepoch'),
  bad('timestamp', 1e300, 'the instant is outside years 0001-9999', 'unixepoch'),
  bad('timestamp', Number.POSITIVE_INFINITY, 'it is not a finite number', 'unixepoch'),
  bad('timestamp', '1721764029', 'expected YYYY-MM-DD', 'unixepoch'),
  ok('timestamp', 1721764029319n, '2024-07-23 19:47:09.319', 'unixepoch-ms'),
  ok('timestamp', 1721764029319.724, '2024-07-23 19:47:09.319724', 'unixepoch-ms'),
  ok('timestamp', -1n, '1969-12-31 23:59:59.999', 'unixepoch-ms'),
  bad('timestamp', 253402300800000n, 'the instant is outside years 0001-9999', 'unixepoch-ms'),
  ok('timestamp', 2440587.5, '1970-01-01 00:00:00', 'julianday'),
  ok('timestamp', 2440588n, '1970-01-01 12:00:00', 'julianday'),
  ok('timestamp', 2460880.5, '2025-07-24 00:00:00', 'julianday'),
  ok('timestamp', 2460880.25, '2025-07-23 18:00:00', 'julianday'),
  ok('timestamp', 1721425.5, '0001-01-01 00:00:00', 'julianday'),
  bad('timestamp', 1721425.4, 'the instant is outside years 0001-9999', 'julianday'),
  bad('timestamp', -1n, 'the instant is outside years 0001-9999', 'julianday'),
  ok('timestamptz', null, null),
  ok('timestamptz', '2025-07-23 19:47:09.319724', '2025-07-23 19:47:09.319724+00'),
  ok('timestamptz', '2025-07-23 21:00:00+02:00', '2025-07-23 19:00:00+00'),
  ok('timestamptz', '2025-07-23T21:00:00.120Z', '2025-07-23 21:00:00.12+00'),
  ok('timestamptz', '2025-07-23', '2025-07-23 00:00:00+00'),
  ok('timestamptz', 0n, '1970-01-01 00:00:00+00', 'unixepoch'),
  bad('timestamptz', '2025-02-30', notValid('2025-02-30', 'timestamptz')),
  bad('timestamptz', 0n, 'numbers are read as dates only when the column says how'),
  ok('date', null, null),
  ok('date', '2024-02-29', '2024-02-29'),
  ok('date', '2025-07-23 00:00:00', '2025-07-23'),
  ok('date', '2025-07-23T00:00', '2025-07-23'),
  ok('date', '2025-07-23 00:00:00.000', '2025-07-23'),
  ok('date', '2025-07-24 01:00:00+01:00', '2025-07-24'),
  ok('date', 86400n, '1970-01-02', 'unixepoch'),
  ok('date', 2460880.5, '2025-07-24', 'julianday'),
  bad('date', '2023-02-29', `${notValid('2023-02-29', 'date')}: day 29 does not exist in 2023-02`),
  bad('date', '2025-07-23 10:00', 'it has a time of day (10:00:00 UTC) that date would drop'),
  bad(
    'date',
    '2025-07-23 00:00:00.000001',
    'it has a time of day (00:00:00.000001 UTC) that date would drop',
  ),
  bad('date', '2025-07-24T00:00:00+02:00', 'it has a time of day (22:00:00 UTC) that date would drop'),
  bad('date', 86401n, 'it has a time of day (00:00:01 UTC) that date would drop', 'unixepoch'),
  bad('date', 20000n, 'numbers are read as dates only when the column says how'),
];

const jsons: CodecCase[] = [
  ok('jsonb', null, null),
  ok('jsonb', '{"a":1}', '{"a":1}'),
  ok('jsonb', '[1, 2.50, "x", 1e400]', '[1, 2.50, "x", 1e400]'),
  ok('jsonb', ' {"a": [true, false, null]} ', ' {"a": [true, false, null]} '),
  ok('jsonb', 'null', 'null'),
  ok('jsonb', '"\\\\u0000"', '"\\\\u0000"'),
  ok('jsonb', '"\\ud83d\\ude00"', '"\\ud83d\\ude00"'),
  ok('jsonb', '"tab\\tnewline\\n"', '"tab\\tnewline\\n"'),
  ok(
    'jsonb',
    '{"position": {"latitude": 16.41663, "longitude": -29.09725}}',
    '{"position": {"latitude": 16.41663, "longitude": -29.09725}}',
  ),
  bad(
    'jsonb',
    '"\\u0000"',
    `text '"\\u0000"' cannot be stored in jsonb column "col": it contains \\u0000 at offset 1`,
  ),
  bad('jsonb', '{"a":"x\\u0000"}', 'which jsonb cannot hold'),
  bad('jsonb', '"\\ud83d"', 'it contains an unpaired surrogate escape at offset 1'),
  bad('jsonb', '"\\ude00"', 'it contains an unpaired surrogate escape at offset 1'),
  bad('jsonb', '"\\ud83d\\u0041"', 'unpaired surrogate escape'),
  bad('jsonb', '{"a":', `text '{"a":' cannot be stored in jsonb column "col": invalid JSON`),
  bad('jsonb', '', 'invalid JSON'),
  bad('jsonb', "{'a':1}", 'invalid JSON'),
  // NUMERIC affinity made INTEGERs and REALs of JSON number text: they are JSON numbers.
  ok('jsonb', 5n, '5'),
  ok('jsonb', -9223372036854775808n, '-9223372036854775808'),
  ok('jsonb', 9223372036854775807n, '9223372036854775807'),
  ok('jsonb', 1.5, '1.5'),
  ok('jsonb', 0.1, '0.1'),
  ok('jsonb', 1e20, '100000000000000000000'),
  ok('jsonb', 1e21, '1e+21'),
  ok('jsonb', 1.5e-7, '1.5e-7'),
  ok('jsonb', 1.7976931348623157e308, '1.7976931348623157e+308'),
  bad(
    'jsonb',
    Number.POSITIVE_INFINITY,
    'real Infinity cannot be stored in jsonb column "col": Infinity is not a JSON number',
  ),
  bad('jsonb', Number.NEGATIVE_INFINITY, 'Infinity is not a JSON number'),
  bad('jsonb', -0, 'jsonb cannot keep the sign of -0'),
  bad(
    'jsonb',
    bytes(0x7b, 0x7d),
    `blob x'7b7d' (2 bytes) cannot be stored in jsonb column "col": a blob is not JSON text`,
  ),
];

const okV = (input: SqlValue, expect: string | null): CodecCase => ({
  type: 'jsonb',
  variant: true,
  input,
  expect,
});

/** A column without declared type (or STRICT ANY): jsonb as a tagged variant of every storage class. */
const variants: CodecCase[] = [
  okV(null, null),
  okV('text', '"text"'),
  okV('42', '"42"'),
  okV('{"$blob": "00"}', '"{\\"$blob\\": \\"00\\"}"'),
  okV('tab\t"quote"\\ é 😀', '"tab\\t\\"quote\\"\\\\ é 😀"'),
  okV('', '""'),
  okV(42n, '42'),
  okV(0n, '0'),
  okV(-9223372036854775808n, '-9223372036854775808'),
  okV(9223372036854775807n, '9223372036854775807'),
  okV(1.5, '1.5'),
  okV(2.0, '2.0'),
  okV(-3.0, '-3.0'),
  okV(1e17, '100000000000000000.0'),
  okV(1e21, '1000000000000000000000.0'),
  okV(1.5e-7, '0.00000015'),
  okV(0.1, '0.1'),
  okV(0, '0.0'),
  okV(-0, '{"$real": "-0"}'),
  okV(Number.POSITIVE_INFINITY, '{"$real": "Infinity"}'),
  okV(Number.NEGATIVE_INFINITY, '{"$real": "-Infinity"}'),
  okV(1.7976931348623157e308, `179769313486231570${'0'.repeat(291)}.0`),
  okV(5e-324, `0.${'0'.repeat(323)}5`),
  okV(bytes(0, 1, 0xab, 0xff), '{"$blob": "0001abff"}'),
  okV(bytes(), '{"$blob": ""}'),
  {
    type: 'jsonb',
    variant: true,
    input: 'a\0b',
    error: `text 'a\\u0000b' cannot be stored in jsonb (variant) column "col": text contains U+0000 at offset 1, which jsonb cannot hold`,
  },
];

/**
 * The type matrix: every target type against every oddity, with the exact encoded text or a
 * substring of the CodecError message. Run by the unit tests through `encoderFor`, and meant to be
 * run through a real PostgreSQL as well (every `expect` must be accepted and read back as the same value).
 */
export const CODEC_CASES: readonly CodecCase[] = [
  ...integers,
  ...floats,
  ...numerics,
  ...texts,
  ...byteas,
  ...booleans,
  ...timestamps,
  ...jsons,
  ...variants,
];

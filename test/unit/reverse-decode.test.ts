import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError, decoderFor, encoderFor, sameValue } from '../../src/codec/index.js';
import type { SqlValue } from '../../src/model/sql-value.js';
import type { PgType, TimeInput } from '../../src/model/target-schema.js';

const column = (type: PgType, timeInput: TimeInput = 'text') => ({ name: 'c', type, timeInput });

/** encode(decode(text)) is the same PostgreSQL value as text; returns the decoded SQLite value. */
function roundTrip(type: PgType, text: string | null, timeInput: TimeInput = 'text'): SqlValue {
  const decoded = decoderFor(column(type, timeInput))(text);
  const encoded = encoderFor(column(type, timeInput))(decoded);
  expect(sameValue(type, encoded, text), `${type} ${text} → ${String(decoded)} → ${encoded}`).toBe(true);
  return decoded;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** PostgreSQL's text of a timestamp: `YYYY-MM-DD HH:MM:SS[.ffffff]`, fraction without trailing zeros. */
const timestampText = fc
  .record({
    y: fc.integer({ min: 1, max: 9999 }),
    mo: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 28 }),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    us: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999 })),
  })
  .map(({ y, mo, d, h, mi, s, us }) => {
    const base = `${pad(y, 4)}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
    return us === 0 ? base : `${base}.${pad(us, 6).replace(/0+$/, '')}`;
  });

describe('decoderFor: PostgreSQL text → SQLite value', () => {
  it('round-trips integers of every width exactly, as bigint', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        expect(roundTrip('bigint', n.toString())).toBe(n);
      }),
    );
    expect(roundTrip('smallint', '-32768')).toBe(-32768n);
    expect(roundTrip('integer', '2147483647')).toBe(2147483647n);
  });

  it('round-trips doubles to the bit and float4 values exactly', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        const text = Object.is(x, -0) ? '-0' : String(x);
        expect(Object.is(roundTrip('double precision', text), x)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.float({ noNaN: true }), (x) => {
        const text = Object.is(x, -0) ? '-0' : String(x);
        expect(Object.is(roundTrip('real', text), Math.fround(x))).toBe(true);
      }),
    );
    expect(roundTrip('real', '0.1')).toBe(Math.fround(0.1));
  });

  it('round-trips numeric as integer, exact real, or text', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
        fc.integer({ min: 0, max: 30 }),
        (digits, scale) => {
          const s = (digits < 0n ? -digits : digits).toString().padStart(scale + 1, '0');
          const text = `${digits < 0n ? '-' : ''}${scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`}`;
          roundTrip('numeric', text);
        },
      ),
    );
    expect(roundTrip('numeric', '42')).toBe(42n);
    expect(roundTrip('numeric', '1.50')).toBe(1.5);
    expect(roundTrip('numeric', '123456789012345678901234567890.123')).toBe(
      '123456789012345678901234567890.123',
    );
    expect(roundTrip('numeric', 'Infinity')).toBe(Number.POSITIVE_INFINITY);
  });

  it('round-trips text, jsonb, bytea and boolean', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        fc.pre(!s.includes('\u0000'));
        expect(roundTrip('text', s)).toBe(s);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => {
        const decoded = roundTrip('bytea', `\\x${Buffer.from(bytes).toString('hex')}`);
        expect(Buffer.from(decoded as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
    expect(roundTrip('jsonb', '{"a": [1, 2.5, "x"]}')).toBe('{"a": [1, 2.5, "x"]}');
    expect(roundTrip('boolean', 't')).toBe(1n);
    expect(roundTrip('boolean', 'f')).toBe(0n);
    expect(roundTrip('text', null)).toBeNull();
  });

  it('round-trips timestamps as UTC text, and as numbers for numeric timeInput columns', () => {
    fc.assert(
      fc.property(timestampText, (text) => {
        expect(roundTrip('timestamp', text)).toBe(text);
        expect(roundTrip('timestamptz', `${text}+00`)).toBe(text);
        expect(roundTrip('date', text.slice(0, 10))).toBe(text.slice(0, 10));
        for (const input of ['unixepoch', 'unixepoch-ms', 'julianday'] as const) {
          // A number cannot hold every microsecond of every year: then decoding refuses, never rounds.
          try {
            roundTrip('timestamp', text, input);
          } catch (error) {
            expect(error).toBeInstanceOf(CodecError);
          }
        }
      }),
    );
    expect(roundTrip('timestamptz', '2024-01-01 00:00:00+05:30')).toBe('2023-12-31 18:30:00');
    expect(roundTrip('timestamp', '2024-01-01 00:00:00.5', 'unixepoch')).toBe(1704067200.5);
    expect(roundTrip('timestamp', '2024-01-01 00:00:00', 'unixepoch')).toBe(1704067200n);
    expect(roundTrip('timestamp', '2024-01-01 00:00:00.123', 'unixepoch-ms')).toBe(1704067200123n);
    expect(roundTrip('timestamp', '2000-01-01 12:00:00', 'julianday')).toBe(2451545);
    expect(roundTrip('date', '1970-01-02', 'unixepoch')).toBe(86400n);
  });

  it('refuses what SQLite cannot hold exactly, naming the column', () => {
    const refused = (type: PgType, text: string, timeInput: TimeInput = 'text') =>
      expect(() => decoderFor(column(type, timeInput))(text)).toThrow(CodecError);
    refused('double precision', 'NaN');
    refused('numeric', 'NaN');
    refused('timestamp', 'infinity');
    refused('timestamp', '0044-03-15 12:00:00 BC');
    refused('date', '10000-01-01');
    refused('timestamp', '2024-01-01 00:00:00.0001', 'julianday');
    expect(() => decoderFor(column('double precision'))('NaN')).toThrow(/column "c"/);
  });
});

describe('decoderFor a variant column (no declared type, STRICT ANY)', () => {
  const decode = decoderFor({ name: 'v', type: 'jsonb', variant: true });
  it('gives each tagged form back with its storage class', () => {
    expect(decode('"42"')).toBe('42');
    expect(decode('"a \\"q\\" é"')).toBe('a "q" é');
    expect(decode('42')).toBe(42n);
    expect(decode('-9223372036854775808')).toBe(-(2n ** 63n));
    expect(decode('9223372036854775808')).toBe(2 ** 63);
    expect(decode('2.0')).toBe(2);
    expect(decode('100000000000000000.0')).toBe(1e17);
    expect(Object.is(decode('{"$real": "-0"}'), -0)).toBe(true);
    expect(decode('{"$real": "-Infinity"}')).toBe(Number.NEGATIVE_INFINITY);
    expect(decode('{"$blob": "00ff"}')).toEqual(Buffer.from([0, 0xff]));
    expect(decode(null)).toBeNull();
  });
  it('gives other JSON back as its text, and refuses a number beyond a REAL', () => {
    expect(decode('true')).toBe('true');
    expect(decode('null')).toBe('null');
    expect(decode('[1, 2]')).toBe('[1, 2]');
    expect(decode('{"$blob": "zz"}')).toBe('{"$blob": "zz"}');
    expect(decode('{"$real": "1", "x": 1}')).toBe('{"$real": "1", "x": 1}');
    expect(() => decode(`1${'0'.repeat(400)}`)).toThrow(/beyond the range of a SQLite REAL/);
  });
  it('gives numeric Infinity back as a REAL', () => {
    expect(decoderFor({ name: 'n', type: 'numeric' })('Infinity')).toBe(Number.POSITIVE_INFINITY);
  });
});

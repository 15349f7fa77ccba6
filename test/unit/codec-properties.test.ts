import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invalidUtf8Offset } from '../../src/codec/bytes.js';
import { canonicalDecimal } from '../../src/codec/decimal.js';
import { decoderFor, encoderFor, isValidUtf8, sameValue } from '../../src/codec/index.js';
import { jsonbText } from '../../src/codec/jsonb-text.js';
import { type SqlValue, storageClassOf } from '../../src/model/sql-value.js';
import type { PgType } from '../../src/model/target-schema.js';

const enc = (type: PgType, timeInput?: 'unixepoch') =>
  encoderFor(timeInput === undefined ? { name: 'c', type } : { name: 'c', type, timeInput });

/** `YYYY-MM-DD HH:MM:SS[.fff]` of a Date, in UTC, fraction without trailing zeros. */
function pgTimestampOf(d: Date): string {
  const iso = d.toISOString();
  const base = iso.slice(0, 10) + ' ' + iso.slice(11, 19);
  const ms = iso.slice(20, 23).replace(/0+$/, '');
  return ms === '' ? base : `${base}.${ms}`;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

describe('codec properties', () => {
  it('double precision: every double survives encode → parseFloat to the bit', () => {
    const encode = enc('double precision');
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        const text = encode(x);
        expect(Object.is(Number.parseFloat(text!), x)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('real: every float4 survives encode → parseFloat to the bit', () => {
    const encode = enc('real');
    fc.assert(
      fc.property(fc.float({ noNaN: true }), (x) => {
        expect(Object.is(Math.fround(Number.parseFloat(encode(x)!)), x)).toBe(true);
      }),
    );
  });

  it('numeric: every finite double keeps its shortest digits, without exponent', () => {
    const encode = enc('numeric');
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = encode(x)!;
        expect(text).not.toMatch(/e/i);
        expect(Number(text)).toBe(x === 0 ? 0 : x);
        expect(canonicalDecimal(text)).toBe(canonicalDecimal(String(x)));
      }),
      { numRuns: 2000 },
    );
  });

  it('numeric: decimal literals with exponents keep their value', () => {
    const encode = enc('numeric');
    const literal = fc
      .tuple(
        fc.constantFrom('', '-', '+'),
        fc.stringMatching(/^[0-9]{1,12}$/),
        fc.stringMatching(/^[0-9]{0,8}$/),
        fc.integer({ min: -40, max: 40 }),
      )
      .map(([sign, int, frac, exp]) => `${sign}${int}${frac === '' ? '' : '.' + frac}e${exp}`);
    fc.assert(
      fc.property(literal, (s) => {
        const text = encode(s)!;
        expect(text).not.toMatch(/e/);
        expect(canonicalDecimal(text)).toBe(canonicalDecimal(s));
      }),
    );
  });

  it('bigint, integer types and numeric: every int64 round-trips exactly', () => {
    fc.assert(
      fc.property(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), (v) => {
        expect(BigInt(enc('bigint')(v)!)).toBe(v);
        expect(BigInt(enc('numeric')(v)!)).toBe(v);
        expect(BigInt(enc('bigint')(v.toString())!)).toBe(v);
        expect(enc('text')(v)).toBe(v.toString());
      }),
      { numRuns: 2000 },
    );
  });

  it('integer-valued doubles go into bigint exactly', () => {
    fc.assert(
      fc.property(fc.double({ min: -(2 ** 63), max: 2 ** 63, noNaN: true }), (x) => {
        fc.pre(Number.isInteger(x) && x < 2 ** 63);
        expect(BigInt(enc('bigint')(x)!)).toBe(BigInt(x));
      }),
    );
  });

  it('sameValue(type, encode(v), encode(v)) holds for every type', () => {
    const cases: [PgType, fc.Arbitrary<SqlValue>][] = [
      ['bigint', fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n)],
      ['integer', fc.integer().map((n) => BigInt(n))],
      ['smallint', fc.integer({ min: -32768, max: 32767 }).map((n) => BigInt(n))],
      ['double precision', fc.double({ noNaN: true })],
      ['real', fc.float({ noNaN: true })],
      ['numeric', fc.oneof(fc.double({ noNaN: true }), fc.bigInt())],
      ['text', fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0'))],
      ['bytea', fc.uint8Array()],
      ['boolean', fc.constantFrom<SqlValue>(0n, 1n)],
      [
        'timestamp',
        fc
          .date({
            min: new Date('0001-01-01T00:00:00Z'),
            max: new Date('9999-12-31T23:59:59.999Z'),
            noInvalidDate: true,
          })
          .map((d) => d.toISOString()),
      ],
      [
        'timestamptz',
        fc
          .date({
            min: new Date('0001-01-01T00:00:00Z'),
            max: new Date('9999-12-31T23:59:59.999Z'),
            noInvalidDate: true,
          })
          .map((d) => d.toISOString()),
      ],
      [
        'date',
        fc
          .date({
            min: new Date('0001-01-01T00:00:00Z'),
            max: new Date('9999-12-31T00:00:00Z'),
            noInvalidDate: true,
          })
          .map((d) => d.toISOString().slice(0, 10)),
      ],
      ['jsonb', fc.json()],
    ];
    for (const [type, arbitrary] of cases) {
      const encode = enc(type);
      fc.assert(
        fc.property(arbitrary, (v) => {
          const a = encode(v);
          expect(sameValue(type, a, encode(v))).toBe(true);
          expect(sameValue(type, a, null)).toBe(false);
        }),
        { numRuns: 300 },
      );
    }
  });

  it('a variant column gives every SQLite value back with its storage class, through jsonb text', () => {
    const column = { name: 'v', type: 'jsonb', variant: true } as const;
    const encode = encoderFor(column);
    const decode = decoderFor(column);
    const value = fc.oneof(
      fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n),
      fc.double({ noNaN: true }),
      fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')),
      fc.uint8Array().map((b) => Buffer.from(b)),
    );
    fc.assert(
      fc.property(value, (v) => {
        // PostgreSQL prints jsonb as jsonbText does (the integration tests hold it to that).
        const back = decode(jsonbText(encode(v)!));
        expect(storageClassOf(back)).toBe(storageClassOf(v));
        if (typeof v === 'number') expect(Object.is(back, v)).toBe(true);
        else expect(back).toEqual(v);
      }),
      { numRuns: 3000 },
    );
  });

  it('timestamps with any offset land on the same UTC instant as Date computes', () => {
    const encode = enc('timestamp');
    const instant = fc.date({
      min: new Date('0002-01-01T00:00:00Z'),
      max: new Date('9998-12-31T23:59:59.999Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(instant, fc.integer({ min: -14 * 60, max: 14 * 60 }), fc.boolean(), (d, offset, tee) => {
        const local = new Date(d.getTime() + offset * 60_000).toISOString();
        const sign = offset < 0 ? '-' : '+';
        const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
        const text = `${local.slice(0, 10)}${tee ? 'T' : ' '}${local.slice(11, 23)}${zone}`;
        expect(encode(text)).toBe(pgTimestampOf(d));
      }),
      { numRuns: 2000 },
    );
  });

  it('unix epoch seconds, integer or real to the microsecond, give the instant Date computes', () => {
    const encode = enc('timestamp', 'unixepoch');
    fc.assert(
      fc.property(fc.integer({ min: -62135596800, max: 253402300799 }), (s) => {
        expect(encode(BigInt(s))).toBe(pgTimestampOf(new Date(s * 1000)));
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.integer({ min: 0, max: 999_999 }),
        (s, micro) => {
          const text = encode(s + micro / 1e6)!;
          const base = pgTimestampOf(new Date(s * 1000));
          const fraction = pad(micro, 6).replace(/0+$/, '');
          expect(text).toBe(fraction === '' ? base : `${base}.${fraction}`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('isValidUtf8 agrees with a Buffer round trip, and the text encoder with both', () => {
    const encode = enc('text');
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.string({ unit: 'binary' }).map((s) => new TextEncoder().encode(s)),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        const valid = Buffer.from(Buffer.from(b).toString('utf8'), 'utf8').equals(Buffer.from(b));
        expect(isValidUtf8(b)).toBe(valid);
        expect(invalidUtf8Offset(b) === -1).toBe(valid);
        // A blob is refused either way: text would give it back as text.
        expect(() => encode(b)).toThrow(valid ? /text would give the blob back as text/ : /invalid UTF-8/);
      }),
      { numRuns: 3000 },
    );
  });
});

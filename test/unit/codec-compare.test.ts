import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderValue } from '../../src/codec/codec-error.js';
import {
  BinaryCopyOut,
  binaryRowEncoder,
  CodecError,
  encoderFor,
  renderLiteral,
  sameValue,
} from '../../src/codec/index.js';
import { BridgeError } from '../../src/errors.js';
import type { PgType } from '../../src/model/target-schema.js';

/** [type, encoded, what PostgreSQL prints, same?] */
const PAIRS: readonly (readonly [PgType, string | null, string | null, boolean])[] = [
  ['text', null, null, true],
  ['text', null, '', false],
  ['text', '', null, false],
  ['text', 'a', 'a ', false],
  ['text', 'é', 'é', true],
  ['bigint', '9223372036854775807', '9223372036854775807', true],
  ['bigint', '1', '2', false],
  ['integer', '-0', '0', true],
  ['double precision', '1.5e-7', '1.5e-07', true],
  ['double precision', '1e+21', '1e+21', true],
  ['double precision', '-0', '0', false],
  ['double precision', '0', '-0', false],
  ['double precision', '0.1', '0.1000000000000000055511151231257827', true],
  ['double precision', '0.1', '0.10000000000000002', false],
  ['double precision', 'Infinity', 'Infinity', true],
  ['double precision', 'Infinity', '-Infinity', false],
  ['double precision', '5e-324', '4.9406564584124654e-324', true],
  ['double precision', '1', 'x', false],
  ['real', '0.10000000149011612', '0.1', true],
  ['real', '0.5', '0.25', false],
  ['real', '-0', '0', false],
  ['numeric', '1.50', '1.5', true],
  ['numeric', '0.00000015', '1.5e-7', true],
  ['numeric', '+5', '5', true],
  ['numeric', '007.5', '7.5', true],
  ['numeric', '0', '-0.000', true],
  ['numeric', 'Infinity', '-Infinity', false],
  ['numeric', 'Infinity', 'Infinity', true],
  ['numeric', '1', '1.0000000000000000000001', false],
  ['numeric', '1000000000000000000000', '1e21', true],
  ['timestamp', '2025-07-23 10:00:00.5', '2025-07-23 10:00:00.500', true],
  ['timestamp', '2025-07-23 19:47:09.319724', '2025-07-23 19:47:09.319725', false],
  ['timestamp', '2025-07-23 10:00:00', '2025-07-23 10:00:00.000001', false],
  ['timestamptz', '2025-07-23 19:00:00+00', '2025-07-23 19:00:00+00', true],
  ['timestamptz', '2025-07-23 19:00:00.12+00', '2025-07-23 21:00:00.120000+02', true],
  ['timestamptz', '2025-07-23 19:00:00+00', '2025-07-23 19:00:00+01', false],
  ['date', '2025-07-23', '2025-07-23', true],
  ['date', '2025-07-23', '2025-07-24', false],
  ['bytea', '\\x0aff', '\\x0AFF', true],
  ['bytea', '\\x00', '\\x0000', false],
  ['boolean', 't', 'true', true],
  ['boolean', 't', 'f', false],
  ['jsonb', '{"a":1,"b":[1,2]}', '{"b": [1, 2], "a": 1}', true],
  // jsonb keeps a number's scale, and so does the comparison: a variant's REAL 1.0 is not INTEGER 1.
  ['jsonb', '{"a":1.0}', '{"a": 1}', false],
  ['jsonb', '{"a":1.50}', '{"a": 1.50}', true],
  ['jsonb', '100000000000000000.0', '1e17', false],
  ['jsonb', '1.5e-7', '0.00000015', true],
  ['jsonb', '{"a":1e2}', '{"a": 100}', true],
  ['jsonb', '{"a":1,"a":2}', '{"a": 2}', true],
  ['jsonb', '[1,2]', '[2, 1]', false],
  ['jsonb', '{"a":12345678901234567890}', '{"a": 12345678901234567891}', false],
  ['jsonb', '{"a":null}', '{}', false],
  ['jsonb', '{"a":"\\u00e9"}', '{"a": "é"}', true],
  ['jsonb', '[1', '[1]', false],
  ['jsonb', '"x"', '"y"', false],
  ['jsonb', '[true, false, null]', '[true,false,null]', true],
  ['jsonb', '[true]', '[1]', false],
];

describe('sameValue', () => {
  for (const [type, encoded, pg, same] of PAIRS) {
    it(`${type}: ${String(encoded)} ${same ? '=' : '≠'} ${String(pg)}`, () => {
      expect(sameValue(type, encoded, pg)).toBe(same);
      expect(sameValue(type, pg, encoded)).toBe(same);
    });
  }
});

describe('renderLiteral', () => {
  it('doubles single quotes and casts', () => {
    expect(renderLiteral("it's", 'text')).toBe("'it''s'::text");
    expect(renderLiteral("''; drop table x; --", 'text')).toBe("'''''; drop table x; --'::text");
    expect(renderLiteral('\\x00ff', 'bytea')).toBe("'\\x00ff'::bytea");
    expect(renderLiteral('1.5', 'double precision')).toBe("'1.5'::double precision");
  });
});

describe('CodecError and renderValue', () => {
  it('renders values printably and briefly', () => {
    expect(renderValue(null)).toBe('NULL');
    expect(renderValue(-0)).toBe('-0');
    expect(renderValue(12n)).toBe('12');
    expect(renderValue("it's\n")).toBe("'it''s\\u000a'");
    expect(renderValue('a'.repeat(500))).toBe(`'${'a'.repeat(200)}…' (500 chars)`);
    expect(renderValue(new Uint8Array(40).fill(0xab))).toBe(`x'${'ab'.repeat(32)}…' (40 bytes)`);
    expect(renderValue(Uint8Array.from([1, 2]))).toBe("x'0102' (2 bytes)");
  });

  it('is a DATA BridgeError with a hint where one helps', () => {
    const timestamp = encoderFor({ name: 'last_updated', type: 'timestamp', timeInput: 'text' });
    const error = captureError(() => timestamp(1721764029n));
    expect(error).toBeInstanceOf(BridgeError);
    expect(error.code).toBe('DATA');
    expect(error.retriable).toBe(false);
    expect(error.column).toBe('last_updated');
    expect(error.value).toBe('1721764029');
    expect(error.reason).toBe(error.message);
    expect(error.hint).toContain('`timeInput: "unixepoch"`');
    expect(captureError(() => encoderFor({ name: 'n', type: 'text' })('a\0')).hint).toContain('bytea');
    expect(
      captureError(() => encoderFor({ name: 'n', type: 'double precision' })(2n ** 60n + 1n)).hint,
    ).toContain('numeric');
    expect(
      captureError(() => encoderFor({ name: 'j', type: 'jsonb' })(Uint8Array.from([0x8c]))).hint,
    ).toContain('JSONB');
  });
});

/** Reads the fields of one binary COPY tuple: each field's bytes, or null for NULL. */
function tupleFields(bytes: Buffer): (Buffer | null)[] {
  const count = bytes.readInt16BE(0);
  const fields: (Buffer | null)[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const length = bytes.readInt32BE(at);
    at += 4;
    if (length < 0) fields.push(null);
    else {
      fields.push(bytes.subarray(at, at + length));
      at += length;
    }
  }
  expect(at).toBe(bytes.length);
  return fields;
}

describe('binaryRowEncoder', () => {
  const columns = [
    { name: 'id', type: 'bigint' },
    { name: 'note', type: 'text' },
    { name: 'x', type: 'double precision' },
    { name: 'doc', type: 'jsonb' },
  ] as const;

  it('writes one tuple: field count, then each field as length and bytes (-1 for NULL)', () => {
    const out = new BinaryCopyOut(8);
    binaryRowEncoder(columns)([-2n, 'a\tb€\\', -0, '{"a": 1}'], out);
    const [id, note, x, doc] = tupleFields(out.take());
    expect(id!.readBigInt64BE()).toBe(-2n);
    expect(note!.toString('utf8')).toBe('a\tb€\\');
    expect(Object.is(x!.readDoubleBE(), -0)).toBe(true);
    expect(doc![0]).toBe(1);
    expect(doc!.subarray(1).toString('utf8')).toBe('{"a": 1}');
    binaryRowEncoder(columns)([null, null, null, null], out);
    expect(tupleFields(out.take())).toEqual([null, null, null, null]);
  });

  it('writes every instant of years 0001-9999 as exact microseconds since 2000 (past 2^53)', () => {
    const instants = fc.tuple(
      fc.oneof(
        fc.integer({ min: -63082281600, max: 252455615999 }),
        fc.constantFrom(-63082281600, 252455615999, 0, -1, 1, 1048575, 1048576, -1048577),
      ),
      fc.oneof(fc.integer({ min: 0, max: 999999 }), fc.constantFrom(0, 999999)),
    );
    fc.assert(
      fc.property(instants, ([seconds, micro]) => {
        const out = new BinaryCopyOut(4);
        out.microsField(seconds, micro);
        const field = out.take();
        expect(field.readInt32BE(0)).toBe(8);
        expect(field.readBigInt64BE(4)).toBe(BigInt(seconds) * 1000000n + BigInt(micro));
      }),
      { numRuns: 5000 },
    );
  });

  it('grows for a large value, then starts every later buffer at its first capacity again', () => {
    const out = new BinaryCopyOut(8192);
    const text = binaryRowEncoder([{ name: 'note', type: 'text' }]);
    text(['x'.repeat(100_000)], out);
    expect(tupleFields(out.take())[0]!.length).toBe(100_000);
    text(['y'], out);
    const small = out.take();
    expect(tupleFields(small)[0]!.toString()).toBe('y');
    expect(small.buffer.byteLength).toBe(8192);
  });

  it('rethrows codec errors naming the column, leaving nothing of the row behind', () => {
    const out = new BinaryCopyOut(8);
    const row = binaryRowEncoder(columns);
    row([1n, 'ok', 1.5, null], out);
    const written = out.offset;
    const error = captureError(() => row([2n, 'x\0', 1, null], out));
    expect(error.column).toBe('note');
    expect(out.offset).toBe(written);
    expect(() => row([1n], out)).toThrow(/COPY row has 1 values for 4 columns/);
  });
});

function captureError(run: () => unknown): CodecError {
  try {
    run();
  } catch (error) {
    if (error instanceof CodecError) return error;
    throw error;
  }
  throw new Error('expected a CodecError');
}

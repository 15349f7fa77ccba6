import { describe, expect, it } from 'vitest';
import { renderValue } from '../../src/codec/codec-error.js';
import { CodecError, copyRowEncoder, encoderFor, renderLiteral, sameValue } from '../../src/codec/index.js';
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
  ['jsonb', '{"a":1.0}', '{"a": 1}', true],
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

describe('copyRowEncoder', () => {
  const encoders = [encoderFor({ name: 'id', type: 'bigint' }), encoderFor({ name: 'note', type: 'text' })];

  it('joins fields with tabs, escapes them and ends the line', () => {
    const row = copyRowEncoder(encoders);
    expect(row([1n, 'a\tb\\c\nd'])).toBe('1\ta\\tb\\\\c\\nd\n');
    expect(row([null, null])).toBe('\\N\t\\N\n');
    expect(row([2n, '\\N'])).toBe('2\t\\\\N\n');
    expect(row([3n, '\\.'])).toBe('3\t\\\\.\n');
  });

  it('rethrows codec errors naming the column, wraps anything else with its position', () => {
    const row = copyRowEncoder(encoders);
    const error = captureError(() => row([1n, 'x\0']));
    expect(error.column).toBe('note');
    const broken = copyRowEncoder(
      [
        encoders[0]!,
        () => {
          throw new TypeError('boom');
        },
      ],
      ['id', 'note'],
    );
    expect(() => broken([1n, 'x'])).toThrow(/encoding column #2 "note" failed: boom/);
    expect(() => row([1n])).toThrow(/COPY row has 1 values for 2 columns/);
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

import { describe, expect, it } from 'vitest';
import { renderValue } from '../../src/codec/codec-error.js';
import { CodecError, encoderFor, sameValue } from '../../src/codec/index.js';
import { PG_TYPES } from '../../src/model/target-schema.js';
import { CASE_COLUMN, CODEC_CASES, type CodecCase } from '../support/codec-cases.js';

function title(c: CodecCase): string {
  const shown = renderValue(c.input);
  const input = shown.length > 60 ? shown.slice(0, 60) + '…' : shown;
  const variant = c.variant === true ? ' (variant)' : '';
  return `${c.type}${variant}${c.timeInput === undefined ? '' : ` (${c.timeInput})`} ← ${input}`;
}

function encoderOf(c: CodecCase) {
  return encoderFor({
    name: CASE_COLUMN,
    type: c.type,
    ...(c.timeInput === undefined ? {} : { timeInput: c.timeInput }),
    ...(c.variant === undefined ? {} : { variant: c.variant }),
  });
}

function encode(c: CodecCase): string | null {
  return encoderOf(c)(c.input);
}

describe('codec type matrix', () => {
  it('covers every target type', () => {
    const types = new Set(CODEC_CASES.map((c) => c.type));
    expect([...types].sort()).toEqual([...PG_TYPES].sort());
  });

  for (const c of CODEC_CASES) {
    if ('expect' in c) {
      it(`${title(c)} → ${c.expect === null ? 'NULL' : c.expect.slice(0, 60)}`, () => {
        const encoded = encode(c);
        expect(encoded).toBe(c.expect);
        expect(sameValue(c.type, encoded, c.expect)).toBe(true);
      });
    } else {
      it(`${title(c)} → error`, () => {
        let thrown: unknown;
        try {
          encode(c);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(CodecError);
        const error = thrown as CodecError;
        expect(error.message).toContain(c.error);
        expect(error.code).toBe('DATA');
        expect(error.column).toBe(CASE_COLUMN);
        expect(error.value).toBe(renderValue(c.input));
        expect(error.details).toMatchObject({ column: CASE_COLUMN, value: renderValue(c.input) });
      });
    }
  }
});

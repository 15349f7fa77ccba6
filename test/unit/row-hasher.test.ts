import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SqlValue } from '../../src/model/sql-value.js';
import { PG_TYPES } from '../../src/model/target-schema.js';
import { RecordBytes } from '../../src/verify/record-bytes.js';
import { canonicalizer, fieldsHash, recordText } from '../../src/verify/row-hash.js';
import { rowHasher } from '../../src/verify/row-hasher.js';
import { CODEC_CASES } from '../support/codec-cases.js';
import { column, valuesFor } from '../support/row-hash-values.js';

/** The reference: codec encoder, canonical fields, record text, md5 of its UTF-8. */
const reference = (columns: Parameters<typeof canonicalizer>[0], values: readonly SqlValue[]) =>
  fieldsHash(canonicalizer(columns)(values));

describe('rowHasher', () => {
  it.each(PG_TYPES)('hashes %s values exactly as encoder + canonicalField + recordText + md5', (type) => {
    const columns = [column('k', 'bigint'), column('v', type), column('w', type)];
    const hashRow = rowHasher(columns);
    fc.assert(
      fc.property(valuesFor(type), valuesFor(type), (v, w) => {
        const values = [1n, v, w];
        expect(hashRow(values)).toBe(reference(columns, values));
      }),
      { numRuns: 400 },
    );
  });

  it('hashes a row of every type at once, values of any storage class included', () => {
    const columns = PG_TYPES.map((t, i) => column(`c${i}`, t));
    const hashRow = rowHasher(columns);
    const anyValue = fc.oneof(
      fc.constant(null),
      fc.bigInt(),
      fc.double(),
      fc.string({ unit: 'binary' }),
      fc.uint8Array().map((b) => Buffer.from(b)),
    );
    fc.assert(
      fc.property(fc.tuple(...PG_TYPES.map((t) => fc.oneof(valuesFor(t), anyValue))), (values) => {
        expect(hashRow(values)).toBe(reference(columns, values));
      }),
      { numRuns: 1000 },
    );
  });

  it('hashes every codec case, accepted or refused, as the reference does', () => {
    for (const c of CODEC_CASES) {
      const columns = [column('col', c.type, c.timeInput ?? 'text')];
      expect({ case: c, hash: rowHasher(columns)([c.input]) }).toEqual({
        case: c,
        hash: reference(columns, [c.input]),
      });
    }
  });

  it('grows its buffer for long records', () => {
    const columns = [column('a', 'text'), column('b', 'text')];
    const long = `${'é"\\ '.repeat(5000)}😀`;
    expect(rowHasher(columns)([long, long])).toBe(reference(columns, [long, long]));
  });
});

describe('RecordBytes', () => {
  it('writes the UTF-8 bytes of recordText', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.string({ unit: 'binary' }), { freq: 5 }), { maxLength: 6 }),
        (fields) => {
          const out = new RecordBytes();
          out.begin();
          for (const f of fields) {
            if (f === null) out.null();
            else out.text(f);
          }
          out.md5();
          expect(Buffer.from(out.bytes()).toString('utf8')).toBe(recordText(fields));
        },
      ),
    );
  });

  it('writes a lone surrogate as U+FFFD, as Node encodes strings', () => {
    const out = new RecordBytes();
    out.begin();
    out.text('a\ud800b\udc00');
    out.md5();
    expect(Buffer.from(out.bytes())).toEqual(Buffer.from('(a\ud800b\udc00)'));
  });
});

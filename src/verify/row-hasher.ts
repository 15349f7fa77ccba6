/**
 * The row hash computed straight from SQLite values: one field writer per column, compiled once,
 * that writes the column's canonical field into a reusable {@link RecordBytes}. The common cases
 * (an INTEGER in an integer column, TEXT in a text column, a REAL in a double precision column)
 * go straight from the value to its canonical bytes; every other value goes through the codec's
 * encoder and `canonicalField`, as the canonicalizer does. The result is byte for byte the md5 of
 * `recordText(canonicalizer(columns)(values))` (test/unit/row-hasher.test.ts holds it to that).
 */
import { type Encoder, encoderFor } from '../codec/index.js';
import type { SqlValue } from '../model/sql-value.js';
import type { PgType, TargetColumn } from '../model/target-schema.js';
import { RecordBytes } from './record-bytes.js';
import { canonicalField, UNENCODABLE } from './row-hash.js';

/** The md5 hex of a row's canonical record, from its SQLite values in target column order. */
export type RowHasher = (values: readonly SqlValue[]) => string;

type FieldWriter = (value: SqlValue, out: RecordBytes) => void;

const INTEGER_LIMITS: Readonly<Partial<Record<PgType, readonly [bigint, bigint]>>> = {
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
};

const scratch = new DataView(new ArrayBuffer(8));

/** Through the codec: encoder, then canonical field (refused values as {@link UNENCODABLE}). */
function generic(encoder: Encoder, type: PgType): FieldWriter {
  return (value, out) => {
    let encoded: string | null;
    try {
      encoded = encoder(value);
    } catch {
      out.text(UNENCODABLE);
      return;
    }
    if (encoded === null) out.null();
    else out.text(canonicalField(type, encoded));
  };
}

/** The field writer of one column. */
function fieldWriter(column: TargetColumn): FieldWriter {
  const slow = generic(encoderFor(column), column.type);
  const limits = INTEGER_LIMITS[column.type];
  if (limits !== undefined) {
    const [min, max] = limits;
    // An integer in range prints as its decimal digits, exactly what the codec sends.
    return (value, out) => {
      if (typeof value === 'bigint' && value >= min && value <= max) out.ascii(value.toString());
      else if (value === null) out.null();
      else slow(value, out);
    };
  }
  switch (column.type) {
    case 'double precision':
      // A non-NaN REAL: the codec sends its shortest round-trip text, which reads back as the
      // same double, so its canonical field is the double's own IEEE bytes.
      return (value, out) => {
        if (typeof value === 'number' && !Number.isNaN(value)) {
          scratch.setFloat64(0, value);
          out.hex64(scratch.getUint32(0), scratch.getUint32(4));
        } else if (value === null) out.null();
        else slow(value, out);
      };
    case 'text':
      // Text without NUL passes the codec unchanged.
      return (value, out) => {
        if (typeof value === 'string' && value.indexOf('\0') < 0) out.text(value);
        else if (value === null) out.null();
        else slow(value, out);
      };
    default:
      return (value, out) => {
        if (value === null) out.null();
        else slow(value, out);
      };
  }
}

/** The row hasher of `columns`: writers compiled once, one buffer reused for every row. */
export function rowHasher(columns: readonly TargetColumn[]): RowHasher {
  const writers = columns.map(fieldWriter);
  const n = writers.length;
  const out = new RecordBytes();
  return (values) => {
    out.begin();
    for (let i = 0; i < n; i++) writers[i]!(values[i] ?? null, out);
    return out.md5();
  };
}

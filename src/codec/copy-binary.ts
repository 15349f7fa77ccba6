import { BridgeError } from '../errors.js';
import type { SqlValue } from '../model/sql-value.js';
import { fieldWriter } from './copy-binary-fields.js';
import type { BinaryCopyOut } from './copy-binary-out.js';
import { encoderFor } from './encode.js';
import type { CodecColumn } from './encoder.js';

/**
 * PostgreSQL's binary COPY format, the snapshot's wire format: the server stores each field with
 * its type's receive function instead of parsing text, and the client writes integers, doubles
 * and instants as bytes instead of printing them.
 *
 * Every value still goes through the column's text encoder ({@link encoderFor}), which decides
 * whether the column can hold it and what it becomes; `copy-binary-fields.ts` only turns that
 * decision into bytes, in the buffer of `copy-binary-out.ts`; this module puts a row's fields
 * together. The hot cases take a shortcut that is the same by construction (a SQLite integer into
 * bigint, a finite or infinite double into double precision, a blob into bytea); the others write
 * the encoder's text in binary form (text and jsonb as UTF-8). A test loads every value of the codec's type matrix
 * and random values both ways (binary COPY, and the encoder's text as a query parameter) and
 * compares what PostgreSQL stored.
 */

/** What a binary row encoder needs of each target column. */
export type BinaryColumn = CodecColumn;

/**
 * Builds the function that appends one SQLite row (values in target column order; values past
 * the last column, the reader's page key, are ignored) to `out` as one binary COPY tuple. On any
 * error nothing of the row stays in `out`. A CodecError already names its column and is rethrown
 * as it is; anything else is wrapped as INTERNAL naming the column.
 */
export function binaryRowEncoder(
  columns: readonly BinaryColumn[],
): (row: readonly SqlValue[], out: BinaryCopyOut) => void {
  const n = columns.length;
  const writers = columns.map((c) => fieldWriter(c.name, c.type, encoderFor(c)));
  return (row, out) => {
    if (row.length < n) {
      throw new BridgeError('INTERNAL', `COPY row has ${row.length} values for ${n} columns`);
    }
    const start = out.offset;
    out.tupleStart(n);
    for (let i = 0; i < n; i++) {
      const value = row[i] as SqlValue;
      if (value === null) {
        out.nullField();
        continue;
      }
      try {
        writers[i]!(value, out);
      } catch (error) {
        out.offset = start;
        if (error instanceof BridgeError) throw error;
        const name = columns[i]!.name;
        throw new BridgeError(
          'INTERNAL',
          `encoding column #${i + 1} "${name}" failed: ${(error as Error).message}`,
          {
            cause: error,
            details: { columnIndex: i, column: name },
          },
        );
      }
    }
  };
}

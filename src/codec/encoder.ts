import type { SqlValue } from '../model/sql-value.js';
import type { TargetColumn } from '../model/target-schema.js';

/**
 * Turns one SQLite value into the PostgreSQL text representation for one target column: what goes
 * into a query parameter, and what the snapshot's binary COPY writes in binary form (copy-binary.ts).
 * Null for SQL NULL. Throws CodecError for a value the column cannot hold exactly.
 */
export type Encoder = (value: SqlValue) => string | null;

/** What the codec needs of a target column: name, type, and the options that change its values. */
export type CodecColumn = Pick<TargetColumn, 'name' | 'type'> &
  Partial<Pick<TargetColumn, 'timeInput' | 'variant'>>;

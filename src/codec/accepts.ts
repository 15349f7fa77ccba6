/**
 * What the codec does with each storage class in a target column, in words, for `plan`: a value
 * is refused only when the column's type cannot hold it exactly and give it back with its
 * storage class (SQLite's affinity applies again on the way back). The encoders decide value by
 * value; this is their rule per storage class, said once, so the census can put it next to each
 * count before anything is copied.
 */
import type { StorageClass } from '../model/sql-value.js';
import type { CodecColumn } from './encoder.js';

/** What happens to the values of one storage class in one column. */
export interface ClassVerdict {
  /**
   * `kept`: every such value; `some`: those `note` names; `refused`: none; `changed`: every one,
   * but it comes back as another storage class (only where a cast chose the type).
   */
  readonly accepts: 'kept' | 'some' | 'refused' | 'changed';
  /** Why, in a few words. */
  readonly note: string;
  /** The `cast` that would keep the refused ones, when there is one. */
  readonly cast?: string;
}

type Classes = Readonly<Record<Exclude<StorageClass, 'null'>, ClassVerdict>>;

const kept = (note: string): ClassVerdict => ({ accepts: 'kept', note });
const some = (note: string, cast?: string): ClassVerdict =>
  cast === undefined ? { accepts: 'some', note } : { accepts: 'some', note, cast };
const refused = (note: string, cast?: string): ClassVerdict =>
  cast === undefined ? { accepts: 'refused', note } : { accepts: 'refused', note, cast };

const BLOB_TO_BYTEA = refused('a blob would not come back as a blob', 'bytea');

/**
 * The verdict for every storage class of `column` (see encode.ts for the value-level rules).
 * `blobAffinity`: the SQLite column keeps values as given (no declared type, `ANY`), so numbers
 * sent as text come back as text.
 */
export function classVerdicts(column: CodecColumn, blobAffinity = false): Classes {
  const timeInput = column.timeInput ?? 'text';
  switch (column.type) {
    case 'bigint':
    case 'integer':
    case 'smallint':
      return {
        integer: column.type === 'bigint' ? kept('exact') : some(`those in ${column.type} range`, 'bigint'),
        real: some('integral ones (a fraction would be lost)', 'numeric'),
        text: some('canonical integer text', 'text'),
        blob: BLOB_TO_BYTEA,
      };
    case 'double precision':
      return {
        integer: some('those a double holds exactly (|n| ≤ 2^53 or representable)', 'numeric'),
        real: kept('to the bit'),
        text: some('float literals', 'text'),
        blob: BLOB_TO_BYTEA,
      };
    case 'real':
      return {
        integer: some('those a float4 holds exactly', 'double precision'),
        real: some('those a float4 holds exactly', 'double precision'),
        text: some('float literals a float4 holds exactly', 'text'),
        blob: BLOB_TO_BYTEA,
      };
    case 'numeric':
      return {
        integer: kept('exact'),
        real: kept('exact, ±Inf as Infinity'),
        text: some('decimal number text', 'text'),
        blob: BLOB_TO_BYTEA,
      };
    case 'text':
      if (blobAffinity) {
        const changed: ClassVerdict = {
          accepts: 'changed',
          note: 'copied as digits, comes back as text (the column keeps values as given; without the cast, the jsonb variant keeps it)',
        };
        return {
          integer: changed,
          real: changed,
          text: some('texts without U+0000 (PostgreSQL text cannot hold it)', 'bytea'),
          blob: BLOB_TO_BYTEA,
        };
      }
      return {
        integer: kept('as digits; the NUMERIC affinity reads them back as integers'),
        real: kept('as shortest round-trip digits; read back as the same real'),
        text: some('texts without U+0000 (PostgreSQL text cannot hold it)', 'bytea'),
        blob: BLOB_TO_BYTEA,
      };
    case 'bytea':
      return {
        integer: refused('a number would not come back as a number', 'numeric'),
        real: refused('a number would not come back as a number', 'numeric'),
        text: refused('text would come back as a blob', 'text'),
        blob: kept('exact'),
      };
    case 'boolean':
      return {
        integer: some('0 and 1 (boolean gives back 0/1 only)', 'text'),
        real: refused('boolean gives back 0/1 only', 'text'),
        text: refused('boolean gives back 0/1 only', 'text'),
        blob: refused('boolean gives back 0/1 only', 'bytea'),
      };
    case 'timestamp':
    case 'timestamptz':
    case 'date': {
      const numbers =
        timeInput === 'text'
          ? refused('numbers are read only with timeInput unixepoch, unixepoch-ms or julianday', 'text')
          : some(
              `read as ${timeInput}, to the microsecond (${column.type === 'date' ? 'midnights only' : 'in range'})`,
              'text',
            );
      return {
        integer: numbers,
        real: numbers,
        text: some(
          `ISO-8601 ${column.type === 'date' ? 'dates' : 'date-times'}, given back as ${column.type === 'date' ? 'YYYY-MM-DD' : 'YYYY-MM-DD HH:MM:SS[.ffffff] UTC'}`,
          'text',
        ),
        blob: refused('a blob is not a date', 'bytea'),
      };
    }
    case 'jsonb':
      if (column.variant === true) {
        return {
          integer: kept('a JSON integer'),
          real: kept('a JSON number with a fraction; ±Inf and -0 tagged'),
          text: some('texts without U+0000, as JSON strings (jsonb cannot hold U+0000)', 'bytea'),
          blob: kept('tagged {"$blob": hex}'),
        };
      }
      return {
        integer: kept('a JSON number; the NUMERIC affinity reads it back as an integer'),
        real: some('finite ones (±Inf is not JSON)', 'double precision'),
        text: some('valid JSON', 'text'),
        blob: refused('a blob is not JSON text', 'bytea'),
      };
  }
}

/** One verdict in words, for `plan`: `kept (exact)`, `kept only …; the rest refused (cast: text)`, `refused: … (cast: bytea)`. */
export function verdictText(verdict: ClassVerdict): string {
  const cast = verdict.cast === undefined ? '' : ` (cast: ${verdict.cast})`;
  switch (verdict.accepts) {
    case 'kept':
      return `kept (${verdict.note})`;
    case 'some':
      return `kept only ${verdict.note}; the rest refused${cast}`;
    case 'refused':
      return `refused: ${verdict.note}${cast}`;
    case 'changed':
      return `changed: ${verdict.note}`;
  }
}

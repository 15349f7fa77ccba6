/**
 * The default type rules: every SQLite declared type to a PostgreSQL type that holds every
 * value SQLite would have stored in the column. SQLite enforces neither lengths, precisions nor
 * integer sizes, so none of those survive.
 *
 * | SQLite declared type                                   | PostgreSQL          | why                                                   |
 * |--------------------------------------------------------|---------------------|-------------------------------------------------------|
 * | INT, INTEGER, TINYINT, SMALLINT, MEDIUMINT, BIGINT, INT2, INT8, UNSIGNED BIG INT, anything containing INT | bigint | SQLite integers are 64-bit whatever the name (a SMALLINT column can hold 35000) |
 * | REAL, FLOAT, DOUBLE, DOUBLE PRECISION (REAL/FLOA/DOUB)  | double precision    | SQLite REAL is 8 bytes; a 4-byte real would lose digits |
 * | CHAR(n), VARCHAR(n), NCHAR, CLOB, TEXT (CHAR/CLOB/TEXT) | text                | the length n is never enforced                        |
 * | BLOB                                                   | bytea               |                                                       |
 * | (no declared type)                                     | jsonb (variant)     | such a column holds any storage class: a tagged jsonb keeps each |
 * | NUMERIC, DECIMAL(p,s)                                  | numeric             | unconstrained: p and s were never enforced            |
 * | BOOLEAN, BOOL                                          | boolean             | 0/1 become false/true; anything else is refused       |
 * | DATETIME, TIMESTAMP                                    | timestamp (timestamptz with `timestamptz`) | text read as ISO-8601 in UTC        |
 * | TIMESTAMPTZ, TIMESTAMP WITH TIME ZONE                   | timestamptz         |                                                       |
 * | DATE                                                   | date                |                                                       |
 * | TIME                                                   | text                | SQLite's time strings are kept exactly                |
 * | JSON, JSONB                                            | jsonb               | JSON text and JSON numbers; jsonb normalises whitespace and key order |
 * | ANY (STRICT tables)                                    | jsonb (variant)     | as no declared type                                   |
 * | anything else (UUID, MONEY, STRING, DATETIME2, …)      | text                | NUMERIC affinity holding text: text keeps it all, the affinity restores numbers |
 */
import type { PgType } from '../model/target-schema.js';

/** A type decision and the one sentence that explains it. */
export interface TypeRule {
  readonly type: PgType;
  readonly reason: string;
  /** jsonb used as a tagged variant of every storage class (see TargetColumn.variant). */
  readonly variant?: boolean;
}

/** Normalises a declared type: upper case, single spaces, `(…)` parameters removed. */
export function normalizeDeclaredType(declared: string): string {
  return declared
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toUpperCase();
}

/** The default PostgreSQL type for a SQLite declared type (see the module table). */
export function defaultTypeRule(
  declared: string,
  options: { readonly timestamptz: boolean; readonly strict?: boolean },
): TypeRule {
  const t = normalizeDeclaredType(declared);
  switch (t) {
    case '':
      return {
        type: 'jsonb',
        variant: true,
        reason:
          'No declared type: the column may hold values of every storage class, kept as a tagged jsonb variant (text, integer, real and blob each come back as they were).',
      };
    case 'BOOLEAN':
    case 'BOOL':
      return {
        type: 'boolean',
        reason: `${t} is stored as 0/1 in SQLite; 0/1 become false/true (boolean gives back 0/1 only).`,
      };
    case 'DATETIME':
    case 'TIMESTAMP':
      return options.timestamptz
        ? {
            type: 'timestamptz',
            reason: `${t} text is read as UTC into timestamptz (timestamptz option on).`,
          }
        : {
            type: 'timestamp',
            reason: `${t} text (YYYY-MM-DD HH:MM:SS…) is read into timestamp without time zone.`,
          };
    case 'TIMESTAMPTZ':
    case 'TIMESTAMP WITH TIME ZONE':
      return { type: 'timestamptz', reason: `${t} is read into timestamptz.` };
    case 'DATE':
      return { type: 'date', reason: 'DATE text (YYYY-MM-DD) is read into date.' };
    case 'TIME':
      return {
        type: 'text',
        reason: "TIME is kept as text: SQLite's time strings have no exact PostgreSQL time equivalent.",
      };
    case 'JSON':
    case 'JSONB':
      return {
        type: 'jsonb',
        reason: `${t} becomes jsonb: JSON text, and the integers and reals SQLite's NUMERIC affinity made of JSON numbers (whitespace and key order are normalised).`,
      };
    case 'NUMERIC':
    case 'DECIMAL':
      return {
        type: 'numeric',
        reason: `${declared.trim()} becomes unconstrained numeric: SQLite never enforced precision or scale.`,
      };
    case 'ANY':
      if (options.strict === true)
        return {
          type: 'jsonb',
          variant: true,
          reason:
            'ANY in a STRICT table holds values of every storage class, kept as a tagged jsonb variant (text, integer, real and blob each come back as they were).',
        };
      break;
  }
  if (t.includes('INT')) {
    return {
      type: 'bigint',
      reason: `${declared.trim()} has INTEGER affinity: SQLite integers are 64-bit whatever the declared size.`,
    };
  }
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) {
    return { type: 'text', reason: `${declared.trim()} has TEXT affinity; SQLite never enforces a length.` };
  }
  if (t.includes('BLOB')) return { type: 'bytea', reason: `${declared.trim()} holds bytes.` };
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) {
    return {
      type: 'double precision',
      reason: `${declared.trim()} is an 8-byte float in SQLite; double precision keeps every digit.`,
    };
  }
  return {
    type: 'text',
    reason: `${declared.trim()} has NUMERIC affinity in SQLite and is not a number type: text keeps every integer, real and text value, and SQLite's affinity turns numbers back into integers and reals on the way back.`,
  };
}

/** SQLite's column affinity of a declared type (the rules of section 3.1 of its datatype page). */
export function affinityOf(declared: string): 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC' {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t.includes('BLOB') || t.trim() === '') return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

/** True for the PostgreSQL types that hold numbers. */
export function isNumericType(type: PgType): boolean {
  return ['bigint', 'integer', 'smallint', 'double precision', 'real', 'numeric'].includes(type);
}

/** True for the PostgreSQL types that hold dates or times. */
export function isTimeType(type: PgType): boolean {
  return type === 'timestamp' || type === 'timestamptz' || type === 'date';
}

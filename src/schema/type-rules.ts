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
 * | (no declared type)                                     | text                | such a column may hold anything; the census counts non-text values |
 * | NUMERIC, DECIMAL(p,s)                                  | numeric             | unconstrained: p and s were never enforced            |
 * | BOOLEAN, BOOL                                          | boolean             | 0/1 become false/true; the census counts other values |
 * | DATETIME, TIMESTAMP                                    | timestamp (timestamptz with `timestamptz`) | text read as ISO-8601 in UTC        |
 * | TIMESTAMPTZ, TIMESTAMP WITH TIME ZONE                   | timestamptz         |                                                       |
 * | DATE                                                   | date                |                                                       |
 * | TIME                                                   | text                | SQLite's time strings are kept exactly                |
 * | JSON, JSONB                                            | jsonb               | jsonb normalises whitespace and key order             |
 * | ANY (STRICT tables)                                    | text                | the census counts non-text values                     |
 * | anything else                                          | numeric             | SQLite's NUMERIC affinity                             |
 */
import type { PgType } from '../model/target-schema.js';

/** A type decision and the one sentence that explains it. */
export interface TypeRule {
  readonly type: PgType;
  readonly reason: string;
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
        type: 'text',
        reason:
          'No declared type: the column may hold any value, kept as text (the census counts non-text values).',
      };
    case 'BOOLEAN':
    case 'BOOL':
      return { type: 'boolean', reason: `${t} is stored as 0/1 in SQLite; 0/1 become false/true.` };
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
      return { type: 'jsonb', reason: `${t} text becomes jsonb (whitespace and key order are normalised).` };
    case 'NUMERIC':
    case 'DECIMAL':
      return {
        type: 'numeric',
        reason: `${declared.trim()} becomes unconstrained numeric: SQLite never enforced precision or scale.`,
      };
    case 'ANY':
      if (options.strict === true)
        return {
          type: 'text',
          reason:
            'ANY in a STRICT table may hold any value, kept as text (the census counts non-text values).',
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
    type: 'numeric',
    reason: `${declared.trim()} has NUMERIC affinity in SQLite: unconstrained numeric.`,
  };
}

/** True for the PostgreSQL types that hold numbers. */
export function isNumericType(type: PgType): boolean {
  return ['bigint', 'integer', 'smallint', 'double precision', 'real', 'numeric'].includes(type);
}

/** True for the PostgreSQL types that hold dates or times. */
export function isTimeType(type: PgType): boolean {
  return type === 'timestamp' || type === 'timestamptz' || type === 'date';
}

/**
 * The canonical row hash: one 64-bit number per row that is equal for a SQLite row and its
 * PostgreSQL replica. Each value is first put in a canonical text that both sides can produce:
 * SQLite's through the codec (what litebridge sent to PostgreSQL) then `canonicalField`,
 * PostgreSQL's by `pgCanonicalSql` inside the server. Floats compare to the bit (their IEEE
 * bytes in hex), numeric by value, timestamps to the microsecond (the codec already prints what
 * PostgreSQL prints), jsonb by meaning (jsonb's own text). The fields are joined as PostgreSQL's
 * `ROW(...)::text` writes a record, hashed with md5, and the first 8 bytes read as a signed bigint.
 */
import { hash } from 'node:crypto';
import { parseFloatLiteral, plainDecimal, scanDecimal, shape } from '../codec/decimal.js';
import { booleanText } from '../codec/encode-number.js';
import { type Encoder, encoderFor } from '../codec/index.js';
import { jsonbText } from '../codec/jsonb-text.js';
import type { SqlValue } from '../model/sql-value.js';
import type { KeyCollation, PgType, TargetColumn } from '../model/target-schema.js';
import { pgFolded } from '../schema/key-collation.js';
import { quoteIdent } from '../schema/quote.js';

/** A field no PostgreSQL value can produce (text never holds NUL): a value the codec refuses. */
export const UNENCODABLE = '\u0000unencodable';

const scratch = new DataView(new ArrayBuffer(8));

function floatHex(bits: 32 | 64, x: number): string {
  if (bits === 64) {
    scratch.setFloat64(0, x);
    return (
      scratch.getUint32(0).toString(16).padStart(8, '0') + scratch.getUint32(4).toString(16).padStart(8, '0')
    );
  }
  scratch.setFloat32(0, x);
  return scratch.getUint32(0).toString(16).padStart(8, '0');
}

/** numeric's value without display scale, as `trim_scale(x)::text` prints it. */
function trimmedDecimal(text: string): string {
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return text;
  if (!scanDecimal(text)) return text;
  const zero = !shape.nonZero;
  let plain = plainDecimal(text) ?? text;
  if (plain.includes('.')) plain = plain.replace(/\.?0+$/, '');
  return zero ? '0' : plain;
}

/**
 * The canonical text of a value of `type`, from the text the codec encoded it as (what
 * PostgreSQL was sent). Equal to what {@link pgCanonicalSql} computes from the stored value.
 */
export function canonicalField(type: PgType, encoded: string): string {
  switch (type) {
    case 'double precision':
      return encoded === 'NaN' ? '7ff8000000000000' : floatHex(64, parseFloatLiteral(encoded));
    case 'real':
      return encoded === 'NaN' ? '7fc00000' : floatHex(32, parseFloatLiteral(encoded));
    case 'numeric':
      return trimmedDecimal(encoded);
    case 'bytea':
      return encoded.slice(2).toLowerCase();
    case 'boolean':
      return booleanText(encoded) ?? encoded;
    case 'jsonb':
      try {
        return jsonbText(encoded);
      } catch {
        return encoded;
      }
    default:
      // Integers, text, timestamp, timestamptz, date: the codec prints exactly what PostgreSQL prints.
      return encoded;
  }
}

/** The SQL computing a column's canonical text (or NULL) from its value, in a litebridge session. */
export function pgCanonicalSql(column: TargetColumn, alias = 't'): string {
  const c = `${alias}.${quoteIdent(column.name)}`;
  switch (column.type) {
    case 'double precision':
      return `encode(float8send(${c}), 'hex')`;
    case 'real':
      return `encode(float4send(${c}), 'hex')`;
    case 'numeric':
      return `trim_scale(${c})::text`;
    case 'bytea':
      return `encode(${c}, 'hex')`;
    case 'boolean':
      return `CASE WHEN ${c} THEN 't' WHEN NOT ${c} THEN 'f' END`;
    default:
      return `${c}::text`;
  }
}

/** Characters that make record_out quote a field (its isspace is ASCII only, unlike JS `\s`). */
const NEEDS_QUOTES = /["\\(),\t\n\v\f\r ]/;

/** `ROW(fields)::text` as PostgreSQL's record_out writes it (NULL as nothing, quoting as needed). */
export function recordText(fields: readonly (string | null)[]): string {
  let out = '(';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) out += ',';
    const f = fields[i];
    if (f === null || f === undefined) continue;
    if (f === '' || NEEDS_QUOTES.test(f)) out += `"${f.replace(/["\\]/g, '$&$&')}"`;
    else out += f;
  }
  return `${out})`;
}

/** Types whose output function already prints the canonical field (record_out calls it). */
const PRINTS_CANONICAL: ReadonlySet<PgType> = new Set([
  'bigint',
  'integer',
  'smallint',
  'text',
  'boolean',
  'timestamp',
  'timestamptz',
  'date',
  'jsonb',
]);

/**
 * A column as a field of the hashed record: the bare column where record_out's call of the
 * type's output function prints the canonical text anyway (no cast to text and back: about a
 * tenth of the server's time per row), `pgCanonicalSql` otherwise.
 */
function recordFieldSql(column: TargetColumn, alias: string): string {
  return PRINTS_CANONICAL.has(column.type)
    ? `${alias}.${quoteIdent(column.name)}`
    : pgCanonicalSql(column, alias);
}

/**
 * The SQL of the md5 hex of a row's canonical record over `columns` (as {@link fieldsHash}); with
 * `collations` (a key's), each text field folded as SQLite compares it (NOCASE, RTRIM).
 */
export function pgRowMd5Sql(
  columns: readonly TargetColumn[],
  alias = 't',
  collations: readonly KeyCollation[] = [],
): string {
  const field = (c: TargetColumn, i: number): string =>
    pgFolded(recordFieldSql(c, alias), collations[i] ?? 'binary');
  return `md5(ROW(${columns.map(field).join(', ')})::text)`;
}

/** The SQL of a row's hash (a signed bigint) over `columns`. */
export function pgRowHashSql(columns: readonly TargetColumn[], alias = 't'): string {
  return `('x' || left(${pgRowMd5Sql(columns, alias)}, 16))::bit(64)::bigint`;
}

/** The SQL of a key's bucket in 0..buckets-1 (the same as {@link bucketOf}). */
export function pgBucketSql(
  keys: readonly TargetColumn[],
  buckets: number,
  alias = 't',
  collations: readonly KeyCollation[] = [],
): string {
  return `(('x' || left(${pgRowMd5Sql(keys, alias, collations)}, 8))::bit(32)::bigint % ${buckets})`;
}

/** A row's md5 hex over canonical fields. */
export function fieldsHash(fields: readonly (string | null)[]): string {
  return hash('md5', recordText(fields), 'hex');
}

/** The signed 64-bit row hash (as PostgreSQL's `pgRowHashSql`) of an md5 hex. */
export function hashValue(md5hex: string): bigint {
  return BigInt.asIntN(64, BigInt(`0x${md5hex.slice(0, 16)}`));
}

/** A key's bucket from the md5 hex of its canonical fields. */
export function bucketOf(md5hex: string, buckets: number): number {
  return Number.parseInt(md5hex.slice(0, 8), 16) % buckets;
}

/** Turns SQLite values (target column order) into canonical fields; refused values become {@link UNENCODABLE}. */
export type Canonicalizer = (values: readonly SqlValue[]) => (string | null)[];

/** The canonicalizer of `columns`, with one codec encoder per column compiled once. */
export function canonicalizer(columns: readonly TargetColumn[]): Canonicalizer {
  const encoders: Encoder[] = columns.map((c) => encoderFor(c));
  const types = columns.map((c) => c.type);
  const n = columns.length;
  return (values) => {
    const fields: (string | null)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      let encoded: string | null;
      try {
        encoded = encoders[i]!(values[i] ?? null);
      } catch {
        fields[i] = UNENCODABLE;
        continue;
      }
      fields[i] = encoded === null ? null : canonicalField(types[i]!, encoded);
    }
    return fields;
  };
}

/**
 * A running order-independent sum of row hashes, exact: two halves summed as doubles (exact far
 * beyond any chunk) and folded into a bigint every million rows.
 */
export class HashSum {
  rows = 0;
  #hi = 0;
  #lo = 0;
  #folded = 0n;

  add(md5hex: string): void {
    let hi = Number.parseInt(md5hex.slice(0, 8), 16);
    if (hi >= 0x80000000) hi -= 0x100000000;
    this.#hi += hi;
    this.#lo += Number.parseInt(md5hex.slice(8, 16), 16);
    if (++this.rows % 1_000_000 === 0) this.#fold();
  }

  #fold(): void {
    this.#folded += BigInt(this.#hi) * 0x100000000n + BigInt(this.#lo);
    this.#hi = 0;
    this.#lo = 0;
  }

  /** The sum of every added row hash (as PostgreSQL's `sum(bigint)` gives it). */
  get sum(): bigint {
    return this.#folded + BigInt(this.#hi) * 0x100000000n + BigInt(this.#lo);
  }
}

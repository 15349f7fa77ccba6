/**
 * A value as better-sqlite3 returns it with safe integers on: INTEGER → bigint, REAL → number,
 * TEXT → string, BLOB → Buffer (Uint8Array), NULL → null. Never a JS number for an INTEGER.
 */
export type SqlValue = bigint | number | string | Uint8Array | null;

/** SQLite's storage class of a value, as `typeof()` names it. */
export type StorageClass = 'integer' | 'real' | 'text' | 'blob' | 'null';

/** The storage class of a value read with safe integers. */
export function storageClassOf(value: SqlValue): StorageClass {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'bigint':
      return 'integer';
    case 'number':
      return 'real';
    case 'string':
      return 'text';
    default:
      return 'blob';
  }
}

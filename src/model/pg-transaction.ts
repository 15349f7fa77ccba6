/**
 * A PostgreSQL transaction as reverse replication carries it from the pgoutput stream
 * (`reverse/`) to the SQLite file (`sqlite/reverse-apply.ts`): row images with every value still
 * in PostgreSQL's text form.
 */

/** One value as pgoutput sends it in text: null for NULL, undefined for an unchanged TOASTed value. */
export type PgTextValue = string | null | undefined;

/** A row image from pgoutput: PostgreSQL column name → text value. */
export type PgTuple = Readonly<Record<string, PgTextValue>>;

/** A published table as PostgreSQL names it. */
export interface PgRelationRef {
  readonly schema: string;
  readonly name: string;
}

/** One change inside a PostgreSQL transaction. `old` is the replica identity (key) or full old row. */
export type PgRowChange =
  | { readonly kind: 'insert'; readonly relation: PgRelationRef; readonly new: PgTuple }
  | {
      readonly kind: 'update';
      readonly relation: PgRelationRef;
      /** Old key (or full old row) when the key changed or the identity is FULL; else null. */
      readonly old: PgTuple | null;
      readonly new: PgTuple;
    }
  | { readonly kind: 'delete'; readonly relation: PgRelationRef; readonly old: PgTuple }
  | { readonly kind: 'truncate'; readonly relations: readonly PgRelationRef[] };

/** What pgoutput's Begin message tells of a transaction before any of its changes. */
export interface PgTransactionStart {
  readonly xid: number;
  /** LSN of the commit record (Begin's "final LSN"): past the end of any earlier transaction. */
  readonly commitLsn: string;
}

/** One committed PostgreSQL transaction, Begin…Commit. */
export interface PgTransaction extends PgTransactionStart {
  /** End LSN of the commit record: the position stored and acknowledged once applied. */
  readonly endLsn: string;
  readonly changes: readonly PgRowChange[];
}

/**
 * pgoutput's messages as reverse replication reads them: the plugin that keeps every column in
 * PostgreSQL's text form, and the row messages turned into the `PgRowChange`s of one
 * `PgTransaction` (`model/pg-transaction.ts`).
 */
import { type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import type { PgRelationRef, PgRowChange, PgTuple } from '../model/pg-transaction.js';

/** One decoded pgoutput message (Begin, Relation, Insert, …, Commit), keyed by `tag`. */
export type PgoutputMessage = Pgoutput.Message;

const asText = (raw: unknown): unknown => raw;

/**
 * pgoutput with every column left as PostgreSQL's text (the library would run pg's global type
 * parsers: int8 to string, timestamp to a millisecond Date, json to objects), counting the
 * messages it parses so the stream knows when everything received has been handled.
 */
export class TextPgoutputPlugin extends PgoutputPlugin {
  /** Messages parsed so far. */
  received = 0;
  /** The first message that could not be parsed (reported by the stream, not thrown here). */
  failure: unknown = null;

  override parse(buffer: Buffer): PgoutputMessage {
    this.received++;
    try {
      const message = super.parse(buffer);
      if (message.tag === 'relation') for (const column of message.columns) column.parser = asText;
      return message;
    } catch (error) {
      // Thrown here it would escape the connection's event handler and crash the process.
      this.failure = error;
      return { tag: 'origin', originLsn: null, originName: '' };
    }
  }
}

/** The row change an Insert, Update, Delete or Truncate message carries; null for any other message. */
export function rowChangeOf(message: PgoutputMessage): PgRowChange | null {
  switch (message.tag) {
    case 'insert':
      return { kind: 'insert', relation: ref(message.relation), new: message.new as PgTuple };
    case 'update':
      return {
        kind: 'update',
        relation: ref(message.relation),
        old: (message.old ?? message.key) as PgTuple | null,
        new: message.new as PgTuple,
      };
    case 'delete':
      return {
        kind: 'delete',
        relation: ref(message.relation),
        old: (message.old ?? message.key ?? {}) as PgTuple,
      };
    case 'truncate':
      return { kind: 'truncate', relations: message.relations.map(ref) };
    default:
      return null;
  }
}

/** The relation object pgoutput keeps for the table, shared by all its rows (no copy per row). */
function ref(relation: Pgoutput.MessageRelation): PgRelationRef {
  return relation;
}

/**
 * One streaming connection of reverse replication: pg-logical-replication's service with the
 * pgoutput plugin, set up so nothing is acknowledged before SQLite has it. The library's defaults
 * lose data (it acknowledges each message as it is emitted, and every 10 s the last LSN it saw,
 * keepalives included), so: `acknowledge.auto = false`, `timeoutSeconds = 0`, flow control on.
 * Each transaction streams through: Begin opens it in SQLite (`begin`), each row change is written
 * as it arrives, Commit commits it there; only then is the commit's end LSN acknowledged. Flow
 * control pauses the socket while a message is handled, so memory stays bounded whatever the
 * transaction's size. A stop or failure mid-transaction rolls it back: never acknowledged, the
 * slot sends it again from its Begin. Keepalives are answered with the last applied position.
 */

import type { ClientConfig } from 'pg';
import { LogicalReplicationService } from 'pg-logical-replication';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PgRowChange, PgTransactionStart } from '../model/pg-transaction.js';
import { formatLsn, parseLsn } from '../model/position.js';
import { MAINTENANCE_ORIGIN } from '../pg/partition-maintenance.js';
import { type PgoutputMessage, rowChangeOf, TextPgoutputPlugin } from './pgoutput.js';

/** What one stream needs. */
export interface ReverseStreamOptions {
  readonly pgUrl: string;
  readonly slot: string;
  readonly publication: string;
  /** The position to stream after: the last one SQLite stored. */
  readonly startLsn: string;
  /**
   * Opens a transaction where its changes go, at its Begin; null when it was applied already
   * (its changes are then dropped). A throw from it or from its sink ends the stream with that
   * error, without acknowledging the transaction.
   */
  readonly begin: (start: PgTransactionStart) => TransactionSink | null;
  /** Called each time the acknowledged position advances (after a commit, or caught up at a keepalive). */
  readonly onPosition?: (lsn: string) => void;
  readonly log: Logger;
}

/** Where one PostgreSQL transaction's changes are written, synchronously, as they arrive. */
export interface TransactionSink {
  /** Writes one row change. */
  apply(change: PgRowChange): void;
  /** Makes everything written durable with `endLsn` as the stored position; returns once committed. */
  commit(endLsn: string): void;
  /** Undoes everything written (the transaction will be sent again). */
  rollback(): void;
}

/** The transaction between its Begin and its Commit. */
interface OpenTransaction {
  readonly start: PgTransactionStart;
  readonly sink: TransactionSink | null;
  /** partitions: partition maintenance moving rows, not an application change. */
  maintenance: boolean;
}

/** Session settings for the walsender, so values arrive in the text forms the codec reads. */
const SESSION_OPTIONS =
  '-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=iso_8601 -c extra_float_digits=1 -c bytea_output=hex';

/** One replication connection; `run()` streams until `stop()` or an error. */
export class ReverseStream {
  readonly #options: ReverseStreamOptions;
  readonly #service: LogicalReplicationService;
  readonly #plugin: TextPgoutputPlugin;
  #position: bigint;
  #handled = 0;
  #open: OpenTransaction | null = null;
  #failed: unknown = null;
  #stopped = false;
  #settle: ((error: unknown) => void) | null = null;

  constructor(options: ReverseStreamOptions) {
    this.#options = options;
    this.#position = parseLsn(options.startLsn);
    const client: ClientConfig = {
      ...(options.pgUrl === '' ? {} : { connectionString: options.pgUrl }),
      application_name: 'litebridge reverse',
      options: SESSION_OPTIONS,
    };
    this.#service = new LogicalReplicationService(client, {
      acknowledge: { auto: false, timeoutSeconds: 0 },
      flowControl: { enabled: true },
    });
    this.#plugin = new TextPgoutputPlugin({ protoVersion: 1, publicationNames: [options.publication] });
    this.#service.on('data', (_lsn: string, message: PgoutputMessage) => this.#onMessage(message));
    this.#service.on('heartbeat', (lsn: string, _at: number, reply: boolean) =>
      this.#onKeepalive(lsn, reply),
    );
    this.#service.on('error', (error: Error) => this.#fail(error));
  }

  /** The last position acknowledged (applied, or caught up to while idle). */
  get position(): string {
    return formatLsn(this.#position);
  }

  /**
   * Connects and streams from `startLsn`. Resolves after `stop()`; rejects with the first error
   * (connection lost, server error, apply failure, unparsable message).
   */
  run(): Promise<void> {
    const ended = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => (error === null ? resolve() : reject(error));
    });
    this.#service.subscribe(this.#plugin, this.#options.slot, this.#options.startLsn).then(
      () =>
        this.#end(
          this.#stopped
            ? null
            : new BridgeError('TARGET', 'the replication stream ended', { retriable: true }),
        ),
      (error: unknown) => this.#fail(error),
    );
    return ended;
  }

  /** Stops streaming: a transaction still open is rolled back (it was never acknowledged). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abandon();
    await this.#service.stop().catch(() => undefined);
    this.#end(null);
  }

  #end(error: unknown): void {
    const settle = this.#settle;
    this.#settle = null;
    settle?.(error);
  }

  #fail(error: unknown): void {
    if (this.#stopped || this.#failed !== null) return;
    this.#failed = error;
    this.#stopped = true;
    try {
      this.#abandon();
    } catch {
      // the first error is the one reported; SQLite discards an unfinished transaction anyway
    }
    void this.#service
      .stop()
      .catch(() => undefined)
      .then(() => this.#end(error));
  }

  async #onMessage(message: PgoutputMessage): Promise<void> {
    try {
      if (this.#plugin.failure !== null) throw this.#plugin.failure;
      if (this.#stopped) return;
      this.#handle(message);
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#handled++;
    }
  }

  #handle(message: PgoutputMessage): void {
    if (message.tag === 'begin') {
      if (this.#open !== null)
        throw new Error(`begin ${message.commitLsn} inside transaction ${this.#open.start.xid}`);
      const start = { xid: message.xid, commitLsn: message.commitLsn ?? '0/0' };
      this.#open = { start, sink: this.#options.begin(start), maintenance: false };
    } else if (message.tag === 'origin') {
      // partitions: rows moved out of DEFAULT must not reach SQLite as deletes
      if (this.#open !== null) this.#open.maintenance = message.originName === MAINTENANCE_ORIGIN;
    } else if (message.tag === 'commit') {
      const open = this.#open;
      if (open === null || message.commitEndLsn === null) {
        throw new Error(`commit ${message.commitLsn} without a begin`);
      }
      open.sink?.commit(message.commitEndLsn);
      this.#open = null;
      if (this.#stopped) return;
      this.#advance(parseLsn(message.commitEndLsn));
    } else {
      // relation, type, message: nothing to apply
      const change = rowChangeOf(message);
      if (change === null) return;
      const open = this.#open;
      if (open === null) throw new Error(`a ${change.kind} arrived outside a transaction`);
      if (open.maintenance) return; // partitions: see MAINTENANCE_ORIGIN
      open.sink?.apply(change);
    }
  }

  /** Rolls back the transaction still open, if any. */
  #abandon(): void {
    const open = this.#open;
    this.#open = null;
    open?.sink?.rollback();
  }

  /**
   * A keepalive carries the server's sent position. When every message received before it has
   * been handled and no transaction is open, everything up to it is applied or irrelevant, so the
   * position may move there (PostgreSQL's own subscriber does the same); otherwise the reply
   * repeats the last applied position.
   */
  #onKeepalive(lsn: string, reply: boolean): void {
    if (this.#stopped) return;
    const at = parseLsn(lsn);
    const idle = this.#handled === this.#plugin.received && this.#open === null;
    if (idle && at > this.#position) this.#advance(at);
    else if (reply) this.#acknowledge();
  }

  #advance(at: bigint): void {
    if (at <= this.#position) return;
    this.#position = at;
    this.#acknowledge();
    this.#options.onPosition?.(formatLsn(at));
  }

  /**
   * Reports `position` as written, flushed and applied. The library sends `lsn + 1`, which would
   * let the server skip a transaction whose commit record starts exactly there: pass one less.
   */
  #acknowledge(): void {
    if (this.#position === 0n) return;
    void this.#service
      .acknowledge(formatLsn(this.#position - 1n))
      .catch((error: unknown) => this.#fail(error));
  }
}

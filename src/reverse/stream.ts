/**
 * One streaming connection of reverse replication: pg-logical-replication's service with the
 * pgoutput plugin, set up so nothing is acknowledged before SQLite has it. The library's defaults
 * lose data (it acknowledges each message as it is emitted, and every 10 s the last LSN it saw,
 * keepalives included), so: `acknowledge.auto = false`, `timeoutSeconds = 0`, flow control on.
 * Begin…Commit is collected into one PgTransaction; after `apply` returns (the SQLite commit),
 * the commit's end LSN is acknowledged. Keepalives are answered with the last applied position.
 */

import type { ClientConfig } from 'pg';
import { LogicalReplicationService } from 'pg-logical-replication';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PgRowChange, PgTransaction } from '../model/pg-transaction.js';
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
   * Applies one transaction; must return only once it is committed in SQLite. A throw (or
   * rejection) ends the stream with that error, without acknowledging the transaction.
   */
  readonly apply: (tx: PgTransaction) => void | Promise<void>;
  /** Called each time the acknowledged position advances (after a commit, or caught up at a keepalive). */
  readonly onPosition?: (lsn: string) => void;
  readonly log: Logger;
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
  #current: { xid: number; commitLsn: string; changes: PgRowChange[] } | null = null;
  /** partitions: the open transaction is partition maintenance moving rows, not an application change. */
  #maintenance = false;
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

  /** Stops streaming: the transaction being collected is dropped (it was never acknowledged). */
  async stop(): Promise<void> {
    this.#stopped = true;
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
    void this.#service
      .stop()
      .catch(() => undefined)
      .then(() => this.#end(error));
  }

  async #onMessage(message: PgoutputMessage): Promise<void> {
    try {
      if (this.#plugin.failure !== null) throw this.#plugin.failure;
      if (this.#stopped) return;
      await this.#handle(message);
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#handled++;
    }
  }

  async #handle(message: PgoutputMessage): Promise<void> {
    if (message.tag === 'begin') {
      this.#current = { xid: message.xid, commitLsn: message.commitLsn ?? '0/0', changes: [] };
      this.#maintenance = false;
    } else if (message.tag === 'origin') {
      // partitions: rows moved out of DEFAULT must not reach SQLite as deletes
      this.#maintenance = message.originName === MAINTENANCE_ORIGIN;
    } else if (message.tag === 'commit') {
      const current = this.#current;
      this.#current = null;
      if (current === null || message.commitEndLsn === null) {
        throw new Error(`commit ${message.commitLsn} without a begin`);
      }
      const tx: PgTransaction = { ...current, endLsn: message.commitEndLsn };
      await this.#options.apply(tx);
      if (this.#stopped) return;
      this.#advance(parseLsn(tx.endLsn));
    } else {
      // relation, type, origin, message: nothing to apply
      const change = rowChangeOf(message);
      if (change !== null) this.#push(change);
    }
  }

  #push(change: PgRowChange): void {
    if (this.#maintenance) return; // partitions: see MAINTENANCE_ORIGIN
    if (this.#current === null) throw new Error(`a ${change.kind} arrived outside a transaction`);
    this.#current.changes.push(change);
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
    const idle = this.#handled === this.#plugin.received && this.#current === null;
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

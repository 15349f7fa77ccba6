/**
 * Reverse replication after cutover: streams the changes applications make on PostgreSQL back
 * into the SQLite file, one SQLite transaction per PostgreSQL transaction (written as its changes
 * arrive, committed at its Commit, so its size does not bound memory), from the position
 * stored in SQLite, acknowledging each position only once SQLite has committed it. Survives
 * restarts of itself (the position is in SQLite) and of PostgreSQL (retries with backoff).
 */
import type { Observable } from 'rxjs';
import type { Config } from '../config/config.js';
import { BridgeError, fromPgError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PgRowChange, PgTransactionStart } from '../model/pg-transaction.js';
import { parseLsn } from '../model/position.js';
import { createPool, type PgPool } from '../pg/pool.js';
import { replicationName, resolveSlotName, slotStatus } from '../pg/replication.js';
import { introspect } from '../schema/introspect.js';
import { translate } from '../schema/translate.js';
import { type FileIdentity, fileIdentity, requireSameFile } from '../sqlite/file-identity.js';
import { openSqlite, type SqliteDatabase } from '../sqlite/open.js';
import {
  type ReversePlan,
  ReverseTransaction,
  readReverseLsn,
  reversePlan,
} from '../sqlite/reverse-apply.js';
import { ReverseStream, type TransactionSink } from './stream.js';

export interface ReverseOptions {
  /**
   * Emits once to stop: a transaction still streaming is rolled back (PostgreSQL sends it again
   * on the next run), then runReverse returns.
   */
  readonly shutdown$?: Observable<unknown>;
  /** Stop once the applied (or caught-up) position is at or past this LSN (rollback's drain). */
  readonly untilLsn?: string;
  /** Called after each PostgreSQL transaction committed in SQLite, with its end LSN. */
  readonly onCommit?: (lsn: string) => void;
}

export interface ReverseResult {
  /** The last position applied or caught up to (what the slot was acknowledged with). */
  readonly appliedLsn: string;
  /** PostgreSQL transactions written to SQLite by this run. */
  readonly transactions: number;
}

const RETRY_FIRST_MS = 200;
const RETRY_MAX_MS = 5_000;

/**
 * Runs reverse replication until `shutdown$` emits, `untilLsn` is reached, or a non-retriable
 * error: a lost or missing slot (BAD_STATE, clear message), a value SQLite cannot hold (DATA), a
 * table or column SQLite lacks (BAD_STATE). Connection errors and a busy SQLite file are retried
 * with exponential backoff from the last position SQLite stored.
 */
export async function runReverse(
  config: Config,
  log: Logger,
  options: ReverseOptions = {},
): Promise<ReverseResult> {
  const run = new ReverseRun(config, log, options);
  const listening = options.shutdown$?.subscribe(() => run.stop());
  try {
    return await run.run();
  } finally {
    listening?.unsubscribe();
    await run.close();
  }
}

/** One run of reverse replication: its connections, position and retry delay. */
class ReverseRun {
  readonly #config: Config;
  readonly #log: Logger;
  readonly #options: ReverseOptions;
  readonly #db: SqliteDatabase;
  /** The file opened: a transaction is written only while the path still names it. */
  readonly #file: FileIdentity | null;
  readonly #pool: PgPool;
  readonly #until: bigint | null;
  #position = '0/0';
  #transactions = 0;
  #delay = RETRY_FIRST_MS;
  #stopping = false;
  #stream: ReverseStream | null = null;
  #wake: (() => void) | null = null;

  constructor(config: Config, log: Logger, options: ReverseOptions) {
    this.#config = config;
    this.#log = log;
    this.#options = options;
    this.#until = options.untilLsn === undefined ? null : parseLsn(options.untilLsn);
    this.#db = openSqlite(config.sqlitePath);
    this.#file = fileIdentity(config.sqlitePath);
    this.#pool = createPool(config.pgUrl, { max: 1, applicationName: 'litebridge reverse' });
  }

  /** Streams from SQLite's stored position, reconnecting on retriable failures, until stopped or reached. */
  async run(): Promise<ReverseResult> {
    const plan = this.#plan();
    const start = this.#startPosition();
    const slot = await resolveSlotName(this.#pool, this.#config.sourceId);
    await requireSlot(this.#pool, { sourceId: this.#config.sourceId, slot, position: start });
    this.#position = start;
    this.#log.info({ slot, from: start, until: this.#options.untilLsn }, 'reverse replication streaming');
    while (!this.#stopping && !this.#reached()) {
      try {
        await this.#streamOnce(plan, slot);
      } catch (error) {
        const place = { sourceId: this.#config.sourceId, slot, position: this.#position };
        const failure = await classify(error, this.#pool, place);
        if (!failure.retriable) throw failure;
        await this.#backOff(failure);
      }
    }
    const result = { appliedLsn: this.#position, transactions: this.#transactions };
    this.#log.info(result, 'reverse replication stopped');
    return result;
  }

  /** Stops: a transaction still streaming is rolled back, then `run` returns. */
  stop(): void {
    this.#stopping = true;
    this.#wake?.();
    void this.#stream?.stop();
  }

  /** Closes the SQLite file and the pool. */
  async close(): Promise<void> {
    this.#db.close();
    await this.#pool.end();
  }

  #plan(): ReversePlan {
    const source = introspect(this.#db);
    return reversePlan(source, translate(source, this.#config));
  }

  #startPosition(): string {
    const start = readReverseLsn(this.#db);
    if (start !== null) return start;
    throw new BridgeError(
      'BAD_STATE',
      `the SQLite file has no reverse replication position for "${this.#config.sourceId}"`,
      { hint: 'reverse replication starts at cutover: run `litebridge cutover`' },
    );
  }

  #reached(): boolean {
    return this.#until !== null && parseLsn(this.#position) >= this.#until;
  }

  /** One streaming connection from the current position, until it stops or fails. */
  async #streamOnce(plan: ReversePlan, slot: string): Promise<void> {
    const stream = new ReverseStream({
      pgUrl: this.#config.pgUrl,
      slot,
      publication: replicationName(this.#config.sourceId),
      startLsn: this.#position,
      log: this.#log,
      begin: (start) => this.#begin(plan, start),
      onPosition: (lsn) => {
        this.#position = lsn;
        if (this.#reached()) void stream.stop();
      },
    });
    this.#stream = stream;
    try {
      if (!this.#stopping) await stream.run();
    } finally {
      this.#stream = null;
    }
  }

  /** Opens `start` in SQLite (null when SQLite has it already); its commit counts and reports it. */
  #begin(plan: ReversePlan, start: PgTransactionStart): TransactionSink | null {
    requireSameFile(this.#config.sqlitePath, this.#file);
    const open = ReverseTransaction.begin(this.#db, plan, start);
    if (open === null) return null;
    return {
      apply: (change: PgRowChange) => open.apply(change),
      rollback: () => open.rollback(),
      commit: (endLsn: string) => {
        const rows = open.commit(endLsn);
        this.#transactions++;
        this.#delay = RETRY_FIRST_MS;
        this.#log.debug({ xid: start.xid, lsn: endLsn, rows }, 'applied PostgreSQL transaction');
        this.#options.onCommit?.(endLsn);
      },
    };
  }

  /** Waits the retry delay (cut short by `stop`), doubling it up to its ceiling. */
  async #backOff(failure: BridgeError): Promise<void> {
    this.#log.warn(
      { err: failure.message, retryInMs: this.#delay, from: this.#position },
      'reverse replication reconnecting',
    );
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      setTimeout(resolve, this.#delay);
    });
    this.#wake = null;
    this.#delay = Math.min(this.#delay * 2, RETRY_MAX_MS);
  }
}

/** Where a run streams from: what a slot error names. */
interface SlotPlace {
  readonly sourceId: string;
  readonly slot: string;
  /** The last position SQLite stored. */
  readonly position: string;
}

/** Refuses to start on a missing or lost slot, with the position SQLite has. */
async function requireSlot(pool: PgPool, place: SlotPlace): Promise<void> {
  const status = await slotStatus(pool, place.sourceId);
  if (status === null) throw slotProblem('missing', place);
  if (status.walStatus === 'lost') throw slotProblem('lost', place);
}

/** The clear error for a slot that is gone or can no longer stream. */
function slotProblem(state: 'missing' | 'lost', place: SlotPlace): BridgeError {
  const { slot, sourceId, position } = place;
  const what =
    state === 'missing'
      ? `replication slot "${slot}" does not exist`
      : `replication slot "${slot}" is lost: PostgreSQL removed WAL it still needed`;
  return new BridgeError(
    'BAD_STATE',
    `${what}; reverse replication stopped. SQLite has PostgreSQL's changes up to ${position}; later ones cannot be streamed`,
    {
      details: { slot, sourceId, position, state },
      hint: 'PostgreSQL is the source of truth now: finish the cutover (`litebridge finish`), or compare with `litebridge drift-report` and take a fresh copy before any rollback',
    },
  );
}

/** Turns a stream failure into a BridgeError; a missing or lost slot becomes the clear BAD_STATE. */
async function classify(error: unknown, pool: PgPool, place: SlotPlace): Promise<BridgeError> {
  const failure = fromPgError(error, 'reverse replication stream failed');
  const sqlstate = failure.details.sqlstate;
  if (failure.code === 'SOURCE' || failure.code === 'DATA' || failure.code === 'BAD_STATE') return failure;
  if (sqlstate === '42704') return slotProblem('missing', place);
  if (sqlstate === '55006') {
    // "replication slot is active": the previous connection's walsender has not exited yet.
    return new BridgeError('TARGET', failure.message, { retriable: true, cause: error });
  }
  const status = await slotStatus(pool, place.sourceId).catch(() => undefined);
  if (status === null) return slotProblem('missing', place);
  if (status?.walStatus === 'lost') return slotProblem('lost', place);
  return failure;
}

/**
 * Reverse replication after cutover: streams the changes applications make on PostgreSQL back
 * into the SQLite file, one SQLite transaction per PostgreSQL transaction, from the position
 * stored in SQLite, acknowledging each position only once SQLite has committed it. Survives
 * restarts of itself (the position is in SQLite) and of PostgreSQL (retries with backoff).
 */
import type { Observable } from 'rxjs';
import type { Config } from '../config/config.js';
import { BridgeError, fromPgError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { createPool, type PgPool } from '../pg/pool.js';
import { replicationName, resolveSlotName, slotStatus } from '../pg/replication.js';
import { introspect } from '../schema/introspect.js';
import { translate } from '../schema/translate.js';
import { openSqlite } from '../sqlite/open.js';
import { applyReverseTransaction, parseLsn, readReverseLsn, reversePlan } from '../sqlite/reverse-apply.js';
import { ReverseStream } from './stream.js';

export interface ReverseOptions {
  /** Emits once to stop: the transaction being applied commits, then runReverse returns. */
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
  const db = openSqlite(config.sqlitePath);
  const pool = createPool(config.pgUrl, { max: 1, applicationName: 'litebridge reverse' });
  const publication = replicationName(config.sourceId);
  let stream: ReverseStream | null = null;
  let stopping = false;
  let wake: (() => void) | null = null;
  const stop = (): void => {
    stopping = true;
    wake?.();
    void stream?.stop();
  };
  const listening = options.shutdown$?.subscribe(stop);
  try {
    const source = introspect(db);
    const plan = reversePlan(source, translate(source, config));
    const start = readReverseLsn(db);
    if (start === null) {
      throw new BridgeError(
        'BAD_STATE',
        `the SQLite file has no reverse replication position for "${config.sourceId}"`,
        {
          hint: 'reverse replication starts at cutover: run `litebridge cutover`',
        },
      );
    }
    const name = await resolveSlotName(pool, config.sourceId);
    await requireSlot(pool, config.sourceId, name, start);
    const until = options.untilLsn === undefined ? null : parseLsn(options.untilLsn);
    let position = start;
    let transactions = 0;
    let delay = RETRY_FIRST_MS;
    const reached = (): boolean => until !== null && parseLsn(position) >= until;
    log.info({ slot: name, from: start, until: options.untilLsn }, 'reverse replication streaming');
    while (!stopping && !reached()) {
      const current = new ReverseStream({
        pgUrl: config.pgUrl,
        slot: name,
        publication,
        startLsn: position,
        log,
        apply: (tx) => {
          const result = applyReverseTransaction(db, plan, tx);
          if (!result.applied) return;
          transactions++;
          delay = RETRY_FIRST_MS;
          log.debug({ xid: tx.xid, lsn: tx.endLsn, rows: result.rows }, 'applied PostgreSQL transaction');
          options.onCommit?.(tx.endLsn);
        },
        onPosition: (lsn) => {
          position = lsn;
          if (reached()) void current.stop();
        },
      });
      stream = current;
      try {
        if (!stopping) await current.run();
      } catch (error) {
        const failure = await classify(error, pool, config.sourceId, name, position);
        if (!failure.retriable) throw failure;
        log.warn(
          { err: failure.message, retryInMs: delay, from: position },
          'reverse replication reconnecting',
        );
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, delay);
        });
        wake = null;
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      } finally {
        stream = null;
      }
    }
    log.info({ appliedLsn: position, transactions }, 'reverse replication stopped');
    return { appliedLsn: position, transactions };
  } finally {
    listening?.unsubscribe();
    db.close();
    await pool.end();
  }
}

/** Refuses to start on a missing or lost slot, with the position SQLite has. */
async function requireSlot(pool: PgPool, sourceId: string, slot: string, position: string): Promise<void> {
  const status = await slotStatus(pool, sourceId);
  const problem = slotProblem(
    status === null ? 'missing' : status.walStatus === 'lost' ? 'lost' : null,
    sourceId,
    slot,
    position,
  );
  if (problem !== null) throw problem;
}

/** The clear error for a slot that is gone or can no longer stream, or null. */
function slotProblem(
  state: 'missing' | 'lost' | null,
  sourceId: string,
  slot: string,
  position: string,
): BridgeError | null {
  if (state === null) return null;
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
async function classify(
  error: unknown,
  pool: PgPool,
  sourceId: string,
  slot: string,
  position: string,
): Promise<BridgeError> {
  const failure = fromPgError(error, 'reverse replication stream failed');
  const sqlstate = failure.details.sqlstate;
  if (failure.code === 'SOURCE' || failure.code === 'DATA' || failure.code === 'BAD_STATE') return failure;
  if (sqlstate === '42704') return slotProblem('missing', sourceId, slot, position)!;
  if (sqlstate === '55006') {
    // "replication slot is active": the previous connection's walsender has not exited yet.
    return new BridgeError('TARGET', failure.message, { retriable: true, cause: error });
  }
  const status = await slotStatus(pool, sourceId).catch(() => undefined);
  if (status === null) return slotProblem('missing', sourceId, slot, position)!;
  if (status?.walStatus === 'lost') return slotProblem('lost', sourceId, slot, position)!;
  return failure;
}

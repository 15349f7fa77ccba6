/**
 * The retry around one PostgreSQL step of the sync loop (applying one batch, reading the phase):
 * a retriable failure (PostgreSQL restarting or unreachable, a serialization failure) waits with
 * exponential backoff and tries again, anything else stops sync. Once sync is stopping, a failure
 * is not retried: it is reported as the `TARGET` error it is, naming the changes left unapplied;
 * a stop asked during a wait ends the wait at once (the step is tried one last time).
 */
import {
  type BehaviorSubject,
  catchError,
  filter,
  type MonoTypeOperatorFunction,
  type Observable,
  pipe,
  race,
  retry,
  throwError,
  timer,
} from 'rxjs';
import { BridgeError, fromPgError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ChangeBatch } from '../model/change.js';

/** The first wait after a failure (ms); each next wait doubles, up to `RETRY_MAX_MS`. */
export const RETRY_FIRST_MS = 200;
/** The longest wait between two tries (ms). */
export const RETRY_MAX_MS = 5_000;

/** What the retry needs to know of the loop it runs in. */
export interface RetryState {
  readonly log: Logger;
  /** True once sync is stopping; emits true when it starts to (ends a wait at once). */
  readonly stopping$: BehaviorSubject<boolean>;
  /** The checkpoint PostgreSQL has committed (named when a stop leaves a batch unapplied). */
  readonly checkpoint: () => bigint;
}

/** One PostgreSQL step: what to call it in errors, and the batch it applies, if any. */
export interface TargetStep {
  readonly context: string;
  readonly batch: ChangeBatch | null;
}

/** Retries `step` as the module comment says; errors come out as `BridgeError`s. */
export function retryTarget<T>(state: RetryState, step: TargetStep): MonoTypeOperatorFunction<T> {
  return pipe(
    catchError((error: unknown) => throwError(() => fromPgError(error, step.context))),
    retry({ delay: (error: BridgeError, attempt) => waitBeforeRetry(state, step, error, attempt) }),
  );
}

/** The wait before try `attempt + 1`, or the error that ends the step. */
function waitBeforeRetry(
  state: RetryState,
  step: TargetStep,
  error: BridgeError,
  attempt: number,
): Observable<unknown> {
  if (!error.retriable) throw error;
  if (state.stopping$.value) throw stoppedUnapplied(error, step.batch, state.checkpoint());
  const wait = Math.min(RETRY_FIRST_MS * 2 ** (attempt - 1), RETRY_MAX_MS);
  state.log.warn(
    {
      err: error.message,
      retryInMs: wait,
      ...(step.batch === null ? {} : { upTo: step.batch.upTo.toString() }),
    },
    'PostgreSQL step failed, retrying',
  );
  return race(timer(wait), state.stopping$.pipe(filter(Boolean)));
}

/**
 * PostgreSQL failed while sync was stopping: nothing is lost (the checkpoint did not move, the
 * changelog keeps the events), but sync did not stop cleanly and says so.
 */
function stoppedUnapplied(cause: BridgeError, batch: ChangeBatch | null, checkpoint: bigint): BridgeError {
  const what = batch === null ? '' : `; changes ${batch.after + 1n}..${batch.upTo} were not applied`;
  return new BridgeError('TARGET', `PostgreSQL failed while sync was stopping${what}: ${cause.message}`, {
    retriable: true,
    cause,
    details: { ...cause.details, checkpoint: checkpoint.toString() },
    hint: 'nothing is lost: the next `litebridge sync` applies the changes after the checkpoint; see why PostgreSQL stopped (its log)',
  });
}

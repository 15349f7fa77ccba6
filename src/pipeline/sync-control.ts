/**
 * Ways to run sync from outside the pipeline without composing streams there: until the
 * process is signalled (the `sync` command), or with a handle that stops it (the demo).
 */
import { fromEvent, merge, Subject, take } from 'rxjs';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { runSync } from './run-sync.js';
import type { SyncOptions, SyncResult } from './sync-options.js';

/** A sync running in this process. */
export interface RunningSync {
  /** Settles when sync has stopped: its result, or the error that stopped it. */
  readonly done: Promise<SyncResult>;
  /** Asks sync to stop: the batch in flight is committed, then `done` settles. */
  stop(): void;
}

/** Starts sync in this process; `stop()` ends it. */
export function startSync(config: Config, log: Logger, options: Omit<SyncOptions, 'shutdown$'>): RunningSync {
  const shutdown$ = new Subject<void>();
  return {
    done: runSync(config, log, { ...options, shutdown$ }),
    stop: () => {
      shutdown$.next();
      shutdown$.complete();
    },
  };
}

/**
 * Runs sync until the process receives SIGINT, SIGTERM or SIGHUP (a closed terminal or SSH
 * session; the batch in flight is committed first); each SIGUSR2 asks the drift observer for a
 * full check.
 */
export function syncUntilSignalled(
  config: Config,
  log: Logger,
  options: Omit<SyncOptions, 'shutdown$' | 'checkNow$'>,
): Promise<SyncResult> {
  return runSync(config, log, {
    ...options,
    shutdown$: merge(
      fromEvent(process, 'SIGINT'),
      fromEvent(process, 'SIGTERM'),
      fromEvent(process, 'SIGHUP'),
    ).pipe(take(1)),
    checkNow$: fromEvent(process, 'SIGUSR2'),
  });
}

/**
 * How a running `sync` follows the cutover phase recorded in PostgreSQL: forward (SQLite →
 * PostgreSQL) in 'forward' and 'rolled-back', reverse (PostgreSQL → SQLite, `runReverse` in the
 * same process) in 'cutover', nothing in 'finished'. The phase is read on each wake-up, at most
 * every PHASE_EVERY_MS.
 */
import { filter, from, interval, merge, type Observable, Subject, switchMap, take, takeUntil } from 'rxjs';
import type { Config } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { clearSyncError, type Phase, readPhase } from '../pg/phase-store.js';
import type { PgPool } from '../pg/pool.js';
import { runReverse } from '../reverse/run-reverse.js';

/** How often a wake-up may read the phase (ms). */
export const PHASE_EVERY_MS = 250;

/** Direction sync runs in for a phase. */
export function directionOf(phase: Phase): 'forward' | 'reverse' | 'none' {
  return phase === 'cutover' ? 'reverse' : phase === 'finished' ? 'none' : 'forward';
}

/** Reads the phase at most every `everyMs`; between reads, answers from the last one. */
export class PhaseWatch {
  #last: Phase = 'forward';
  #readAt = 0;

  constructor(
    private readonly pool: PgPool,
    private readonly sourceId: string,
    private readonly everyMs = PHASE_EVERY_MS,
  ) {}

  /** The phase: the last read while it is younger than `everyMs`, else read now. */
  async current(): Promise<Phase> {
    return Date.now() - this.#readAt >= this.everyMs ? await this.readNow() : this.#last;
  }

  /** The phase read now, whatever the age of the last read. */
  async readNow(): Promise<Phase> {
    this.#last = await readPhase(this.pool, this.sourceId);
    this.#readAt = Date.now();
    return this.#last;
  }
}

/** The refusal for a source whose cutover is finished. */
export function finishedError(sourceId: string): BridgeError {
  return new BridgeError(
    'BAD_STATE',
    `source "${sourceId}" finished its cutover: PostgreSQL is the database now`,
    {
      hint: 'nothing to sync; `litebridge status` shows the cutover',
    },
  );
}

/**
 * Runs reverse replication until `stop$` (returns 'stopped') or the phase leaves 'cutover'
 * (returns the new phase: 'rolled-back' or 'finished'). Errors of reverse replication stop sync.
 */
export async function followReverse(
  config: Config,
  log: Logger,
  pool: PgPool,
  stop$: Observable<unknown>,
): Promise<Phase | 'stopped'> {
  let left: Phase | null = null;
  const done$ = new Subject<void>();
  const leave$ = new Subject<void>();
  const phaseLeft$ = interval(PHASE_EVERY_MS * 2).pipe(
    switchMap(() => from(readPhase(pool, config.sourceId).catch((): Phase => 'cutover'))),
    filter((phase) => phase !== 'cutover'),
    take(1),
    takeUntil(done$),
  );
  const watching = phaseLeft$.subscribe((phase) => {
    left = phase;
    leave$.next();
  });
  try {
    log.info('phase is cutover: streaming PostgreSQL changes back into SQLite');
    await clearSyncError(pool, config.sourceId);
    await runReverse(config, log.child({ component: 'reverse' }), { shutdown$: merge(stop$, leave$) });
  } catch (error) {
    // A rollback or finish that dropped the slot while reverse was starting is not a failure.
    const now = await readPhase(pool, config.sourceId).catch((): Phase => 'cutover');
    if (now === 'cutover') throw error;
    left = now;
  } finally {
    done$.next();
    watching.unsubscribe();
  }
  return left ?? 'stopped';
}

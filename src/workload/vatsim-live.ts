/**
 * A live VATSIM-collector-like writer: what the application does to a file built by
 * `buildVatsimDatabase` while litebridge syncs it. Every tick, in ONE transaction (as the collector
 * commits one feed poll): position updates of the active flights, new flights, departures and
 * arrivals as `traffic_movements` rows, and stale flights deleted. Deterministic for a seed (the
 * values; how many rows a tick touches follows the wall clock).
 */
import { VatsimLiveWriter } from './vatsim-live-writer.js';

/** How the live writer runs. */
export interface VatsimLiveOptions {
  /** Rows touched per second (each is one captured change event). 0: as fast as possible. */
  readonly eventsPerSecond: number;
  /** Milliseconds between two ticks (default 1000). */
  readonly tickMs?: number;
  /** Flights kept active and updated (default 1500). */
  readonly activeFlights?: number;
  /** PRNG seed (default 1). */
  readonly seed?: number;
  /** Stop by itself after this many events (default: never). */
  readonly maxEvents?: number;
  /** Events per transaction when eventsPerSecond is 0 (default 1000). */
  readonly burstTransaction?: number;
  /** Which flights the position updates touch (default 'hot'); see {@link LiveKeys}. */
  readonly keys?: LiveKeys;
}

/**
 * 'hot': position updates cycle through the ~1,500 active flights, as the collector does (a
 * backlog repeats keys, so a batch coalesces them). 'random': each update picks any flight of
 * the file at random, so a backlog holds mostly distinct keys (the worst case for catch-up).
 */
export type LiveKeys = 'hot' | 'random';

/** What the writer has done so far. */
export interface VatsimLiveCounters {
  ticks: number;
  events: number;
  updates: number;
  inserts: number;
  deletes: number;
  movements: number;
  /** Transactions that failed (SQLITE_BUSY past the busy timeout, …); their tick's rows are not written. */
  failedTicks: number;
  /** Longest tick transaction (ms). */
  maxTickMs: number;
  lastError: string | null;
}

/** A running live writer. */
export interface VatsimLiveHandle {
  /** Live counters (mutated as ticks commit). */
  readonly counters: Readonly<VatsimLiveCounters>;
  /** Resolves when the writer stopped by itself (maxEvents reached) or through `stop()`. */
  readonly done: Promise<VatsimLiveCounters>;
  /** Stops after the tick in flight (never inside a transaction) and closes the file. */
  stop(): Promise<VatsimLiveCounters>;
}

/**
 * Starts the live writer on `path`: every `tickMs` one transaction bringing the events written up
 * to `eventsPerSecond × elapsed` (so a slow tick is caught up by the next one). With
 * `eventsPerSecond` 0 it writes transactions of `burstTransaction` events back to back
 * (yielding to the event loop between them) until `maxEvents`.
 */
export function startVatsimLive(path: string, options: VatsimLiveOptions): VatsimLiveHandle {
  const writer = new VatsimLiveWriter(path, options);
  const tickMs = options.tickMs ?? 1000;
  const max = options.maxEvents ?? Number.POSITIVE_INFINITY;
  const started = performance.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let finish: (counters: VatsimLiveCounters) => void = () => undefined;
  const done = new Promise<VatsimLiveCounters>((resolve) => {
    finish = resolve;
  });
  const end = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    if (!stopped) {
      stopped = true;
      writer.close();
      finish({ ...writer.counters });
    }
  };
  const step = (): void => {
    if (stopped) return;
    const due =
      options.eventsPerSecond > 0
        ? Math.floor((options.eventsPerSecond * (performance.now() - started)) / 1000) -
          writer.counters.events
        : (options.burstTransaction ?? 1000);
    writer.tick(Math.min(due, max - writer.counters.events));
    if (writer.counters.events >= max) {
      end();
      return;
    }
    const ticks = writer.counters.ticks + writer.counters.failedTicks;
    const wait =
      options.eventsPerSecond > 0 ? Math.max(0, started + (ticks + 1) * tickMs - performance.now()) : 0;
    timer = setTimeout(step, wait);
  };
  timer = setTimeout(step, options.eventsPerSecond > 0 ? tickMs : 0);
  return {
    counters: writer.counters,
    done,
    stop: () => {
      end();
      return done;
    },
  };
}

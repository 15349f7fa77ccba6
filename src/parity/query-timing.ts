/**
 * Timing both engines fairly: a warm-up, then N runs of each side interleaved in random order
 * (so a cache warming up or a neighbour's load hits both alike), p50/p95 per side, and the
 * round-trip baseline (`SELECT 1`) that PostgreSQL pays and in-process SQLite does not.
 */
import { percentile } from '../log/percentile.js';

/** Latency of one side. */
export interface SideLatency {
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/** Both sides' latencies of one statement and their ratio (PostgreSQL p50 / SQLite p50). */
export interface PairLatency {
  readonly sqlite: SideLatency;
  readonly postgres: SideLatency;
  /** PostgreSQL p50 / SQLite p50 (rounded to 0.01); null when SQLite's p50 is 0. */
  readonly ratio: number | null;
}

/** When a query counts as slower on PostgreSQL: past BOTH thresholds, on the p50. */
export interface SlowerRule {
  /** PostgreSQL p50 at least this many times SQLite's. */
  readonly ratio: number;
  /** And at least this many milliseconds more. */
  readonly floorMs: number;
}

/** The default rule: 1.5 times and 2 ms slower (both), on the median. */
export const DEFAULT_SLOWER: SlowerRule = Object.freeze({ ratio: 1.5, floorMs: 2 });

/** Warm-up runs per side before timing. */
export const WARMUP_RUNS = 2;

/** Whether `t` is slower on PostgreSQL under `rule`. */
export function isSlower(t: PairLatency, rule: SlowerRule): boolean {
  return t.postgres.p50Ms >= rule.ratio * t.sqlite.p50Ms && t.postgres.p50Ms - t.sqlite.p50Ms >= rule.floorMs;
}

/** Times `sqlite` and `postgres` (each one run of the statement) `runs` times each, interleaved. */
export async function timePair(
  runs: number,
  sqlite: () => void,
  postgres: () => Promise<void>,
  random: () => number = Math.random,
): Promise<PairLatency> {
  for (let i = 0; i < WARMUP_RUNS; i++) {
    sqlite();
    await postgres();
  }
  const order: ('s' | 'p')[] = [];
  for (let i = 0; i < runs; i++) order.push('s', 'p');
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const times = { s: [] as number[], p: [] as number[] };
  for (const side of order) {
    const started = performance.now();
    if (side === 's') sqlite();
    else await postgres();
    times[side].push(performance.now() - started);
  }
  const side = (ms: number[]): SideLatency => {
    const sorted = ms.sort((a, b) => a - b);
    return { p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)) };
  };
  const s = side(times.s);
  const p = side(times.p);
  return { sqlite: s, postgres: p, ratio: s.p50Ms > 0 ? Math.round((p.p50Ms / s.p50Ms) * 100) / 100 : null };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

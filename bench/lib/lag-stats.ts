import { percentile } from '../../src/log/percentile.js';

/** One lag sample: an SQLite commit and when PostgreSQL's checkpoint first covered it. */
export interface LagSample {
  /** Changelog seq of the commit's last event. */
  readonly seq: number;
  /** Capture time of that event (ms since epoch). */
  readonly committedAt: number;
  /** First time PostgreSQL's checkpoint was seen ≥ seq (ms since epoch). */
  readonly appliedAt: number;
  readonly lagMs: number;
}

/** Percentiles and maximum of a set of lags (ms). */
export interface LagSummary {
  readonly samples: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** p50/p95/p99/max of the samples' lags. */
export function summarizeLags(samples: readonly LagSample[]): LagSummary {
  const sorted = samples.map((s) => s.lagMs).sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
  };
}

/**
 * Matches commits to checkpoint observations: for each commit (seq, time), the first observation
 * at or after the commit whose checkpoint is ≥ seq. Commits never covered are left out.
 * Both lists must be in time order.
 */
export function matchLags(
  commits: readonly { readonly seq: number; readonly at: number }[],
  observations: readonly { readonly checkpoint: number; readonly at: number }[],
): LagSample[] {
  const out: LagSample[] = [];
  let j = 0;
  for (const commit of commits) {
    while (j < observations.length && observations[j]!.checkpoint < commit.seq) j++;
    const hit = observations.slice(j).find((o) => o.at >= commit.at);
    if (hit === undefined) break;
    out.push({ seq: commit.seq, committedAt: commit.at, appliedAt: hit.at, lagMs: hit.at - commit.at });
  }
  return out;
}

/** What compare-queries reports: each query's outcome and the whole comparison (the `--json` shape). */
import type { SqlValue } from '../model/sql-value.js';
import type { PairLatency, SideLatency, SlowerRule } from './query-timing.js';
import type { ReadPoint } from './same-point.js';

/** What a query's comparison concluded. */
export type QueryStatus =
  | 'same'
  | 'differs'
  | 'fails-on-postgres'
  | 'fails-on-sqlite'
  | 'nondeterministic'
  | 'unsettled';

/** One query's outcome (the `--json` entry). */
export interface QueryReport {
  readonly name: string;
  readonly status: QueryStatus;
  /** The known cause, and what to write instead; null when none applies. */
  readonly hint: string | null;
  /** Latency per side; null when the query was not timed (it failed, or never settled). */
  readonly sqlite: SideLatency | null;
  readonly postgres: SideLatency | null;
  /** PostgreSQL p50 / SQLite p50; null when not timed. */
  readonly ratio: number | null;
  /** Slower on PostgreSQL past both thresholds of the rule. */
  readonly slower: boolean;
  /** PostgreSQL ran the `-- postgres:` form. */
  readonly rewritten: boolean;
  /** Why it is not `same`, in one sentence (or the failing side's error). */
  readonly reason: string | null;
  readonly columns: { readonly sqlite: readonly string[]; readonly postgres: readonly string[] } | null;
  readonly rowCount: { readonly sqlite: number; readonly postgres: number } | null;
  /** The first differing rows, each side (SQLite's values, PostgreSQL's text). */
  readonly rows: {
    readonly sqlite: readonly (readonly SqlValue[])[];
    readonly postgres: readonly (readonly (string | null)[])[];
  } | null;
  /** Where both sides were read. */
  readonly point: ReadPoint;
}

/** The whole comparison. */
export interface QueriesReport {
  readonly queries: readonly QueryReport[];
  /** `SELECT 1` on both sides, timed the same way: PostgreSQL's round trip, absent in-process. */
  readonly baseline: PairLatency;
  /** When a query counts as slower. */
  readonly slowerRule: SlowerRule;
  /** How numbers with a double on either side are compared. */
  readonly tolerance: { readonly relative: number; readonly absolute: number };
  readonly runs: number;
  /** Every query `same` and none slower. */
  readonly ok: boolean;
}

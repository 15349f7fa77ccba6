/** What a cutover reports (printed with --json): built here for each way it ends. */
import type { CutoverRecord } from '../pg/phase-store.js';
import type { DrainResult } from './drain.js';
import type { DriftCheck } from './drift.js';
import type { FinalCheck } from './final-check.js';
import type { ForeignKeyReport } from './foreign-keys.js';
import type { Preflight } from './preflight.js';
import type { SequenceReset } from './sequences.js';

/** What a cutover did (printed with --json). */
export interface CutoverResult {
  /** 'switched' now; 'already' when an earlier run switched; 'dry-run'. */
  readonly status: 'switched' | 'already' | 'dry-run';
  /** Fence up → locks released (ms): the application's write pause. */
  readonly fenceMs: number | null;
  /** When the fence first went up (an interrupted run's fence counts). */
  readonly fenceAt: string | null;
  /** What the cutover applied itself inside the fence (sync had applied the rest). */
  readonly drained: { readonly events: number; readonly batches: number; readonly checkpoint: string } | null;
  readonly checksum: FinalCheck | null;
  readonly drift: DriftCheck | null;
  readonly sequences: readonly SequenceReset[];
  readonly foreignKeys: ForeignKeyReport | null;
  /** Reverse replication applies PostgreSQL transactions committed after this WAL position. */
  readonly lsn: string | null;
  /** Changelog head at the switch (the forward checkpoint a rollback resumes from). */
  readonly seq: string | null;
  readonly preflight: Preflight | null;
}

/** What the fence window produced. */
export interface Switched {
  readonly preflight: Preflight;
  readonly foreignKeys: ForeignKeyReport;
  readonly fenceMs: number;
  readonly fenceAt: Date;
  readonly drained: DrainResult;
  readonly checksum: FinalCheck;
  readonly sequences: readonly SequenceReset[];
  readonly lsn: string;
}

/** The result of a cutover that switched now. */
export function switched(done: Switched): CutoverResult {
  const { drained } = done;
  return {
    status: 'switched',
    fenceMs: Math.round(done.fenceMs),
    fenceAt: done.fenceAt.toISOString(),
    drained: { events: drained.events, batches: drained.batches, checkpoint: drained.checkpoint.toString() },
    checksum: done.checksum,
    drift: done.preflight.drift,
    sequences: done.sequences,
    foreignKeys: done.foreignKeys,
    lsn: done.lsn,
    seq: drained.checkpoint.toString(),
    preflight: done.preflight,
  };
}

/** The result of a cutover that did nothing (yet): a dry run, or the base of `already`. */
export function empty(preflight: Preflight | null): CutoverResult {
  return {
    status: 'dry-run',
    fenceMs: null,
    fenceAt: null,
    drained: null,
    checksum: null,
    drift: preflight?.drift ?? null,
    sequences: [],
    foreignKeys: null,
    lsn: null,
    seq: null,
    preflight,
  };
}

/** The result of a cutover that finds an earlier run switched. */
export function already(record: CutoverRecord): CutoverResult {
  return {
    ...empty(null),
    status: 'already',
    fenceMs: record.fenceMs,
    fenceAt: record.cutoverAt?.toISOString() ?? null,
    lsn: record.cutoverLsn,
    seq: record.cutoverSeq?.toString() ?? null,
  };
}

import type { OnBadRow } from '../config/config.js';
import type { SourceTable } from '../model/source-schema.js';
import type { TargetTable } from '../model/target-schema.js';
import type { KeyRange } from '../sqlite/snapshot-read.js';
import type { WireError } from '../wire-error.js';
import type { CopyTableResult } from './copy-table.js';

/** What a copy worker is started with (structured-cloned into the worker). */
export interface CopyWorkerData {
  readonly sqlitePath: string;
  readonly pgUrl: string;
  readonly settings: Readonly<Record<string, string>>;
  readonly sourceId: string;
  readonly onBadRow: OnBadRow;
  readonly connections: number;
  readonly tables: readonly { readonly source: SourceTable; readonly target: TargetTable }[];
}

/** Main thread → worker. */
export type ToWorker =
  | { readonly type: 'begin' }
  | {
      readonly type: 'job';
      readonly id: number;
      readonly table: number;
      readonly range: KeyRange;
      /** Rows per page (see `TableReader.pageRows`). */
      readonly pageRows: number;
    }
  | { readonly type: 'close' };

/** Worker → main thread. */
export type FromWorker =
  | { readonly type: 'opened' }
  | { readonly type: 'ready' }
  | { readonly type: 'advance'; readonly table: string; readonly rows: number }
  | { readonly type: 'done'; readonly id: number; readonly result: CopyTableResult }
  | { readonly type: 'failed'; readonly id: number | null; readonly error: WireError };

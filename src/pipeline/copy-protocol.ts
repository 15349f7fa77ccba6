import type { OnBadRow } from '../config/config.js';
import { BridgeError, type ErrorCode } from '../errors.js';
import type { SourceTable } from '../model/source-schema.js';
import type { TargetTable } from '../model/target-schema.js';
import type { KeyRange } from '../sqlite/snapshot-read.js';
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
  | { readonly type: 'job'; readonly id: number; readonly table: number; readonly range: KeyRange }
  | { readonly type: 'close' };

/** A BridgeError as it crosses the thread boundary. */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>>;
  readonly hint: string | undefined;
}

/** Worker → main thread. */
export type FromWorker =
  | { readonly type: 'opened' }
  | { readonly type: 'ready' }
  | { readonly type: 'advance'; readonly table: string; readonly rows: number }
  | { readonly type: 'done'; readonly id: number; readonly result: CopyTableResult }
  | { readonly type: 'failed'; readonly id: number | null; readonly error: WireError };

/** Flattens an error for postMessage; anything that is not a BridgeError becomes INTERNAL. */
export function toWire(error: unknown): WireError {
  if (error instanceof BridgeError) {
    const details = JSON.parse(
      JSON.stringify(error.details, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    ) as Record<string, unknown>;
    return {
      code: error.code,
      message: error.message,
      retriable: error.retriable,
      details,
      hint: error.hint,
    };
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { code: 'INTERNAL', message, retriable: false, details: {}, hint: undefined };
}

/** The BridgeError a worker reported, rebuilt on the main thread. */
export function fromWire(error: WireError): BridgeError {
  return new BridgeError(error.code, error.message, {
    retriable: error.retriable,
    details: error.details,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
  });
}

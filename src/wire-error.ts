/**
 * How an error crosses a worker-thread boundary (copy and checksum workers): postMessage clones
 * plain data only, so a BridgeError travels flattened and is rebuilt on the other side.
 */
import { BridgeError, type ErrorCode } from './errors.js';

/** A BridgeError as it crosses the thread boundary. */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>>;
  readonly hint: string | undefined;
}

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

/** The BridgeError a worker reported, rebuilt on the receiving thread. */
export function fromWire(error: WireError): BridgeError {
  return new BridgeError(error.code, error.message, {
    retriable: error.retriable,
    details: error.details,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
  });
}

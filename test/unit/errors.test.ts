import { describe, expect, it } from 'vitest';
import { BridgeError, fromPgError, fromSqliteError } from '../../src/errors.js';

describe('error classification', () => {
  it('retries connection loss, restarts, serialization failures and deadlocks; not data or syntax errors', () => {
    const retriable = (e: object) => fromPgError(Object.assign(new Error('x'), e), 'ctx').retriable;
    expect(retriable({ code: 'ECONNREFUSED' })).toBe(true);
    expect(retriable({ code: 'ECONNRESET' })).toBe(true);
    expect(retriable({ message: 'Connection terminated unexpectedly' })).toBe(true);
    expect(retriable({ code: '57P01' })).toBe(true); // admin shutdown
    expect(retriable({ code: '08006' })).toBe(true); // connection failure
    expect(retriable({ code: '40001' })).toBe(true); // serialization failure
    expect(retriable({ code: '40P01' })).toBe(true); // deadlock
    expect(retriable({ code: '23503' })).toBe(false); // foreign key violation
    expect(retriable({ code: '22P02' })).toBe(false); // invalid text representation
    expect(retriable({ code: '42601' })).toBe(false); // syntax error
  });

  it('keeps SQLSTATE, table and constraint, and the context in the message', () => {
    const e = fromPgError(
      Object.assign(new Error('boom'), { code: '23505', table: 't', constraint: 'u' }),
      'applying',
    );
    expect(e).toBeInstanceOf(BridgeError);
    expect(e.code).toBe('TARGET');
    expect(e.message).toBe('applying: boom');
    expect(e.details).toMatchObject({ sqlstate: '23505', table: 't', constraint: 'u' });
    expect(fromPgError(e, 'other')).toBe(e);
  });

  it('retries SQLite busy and locked, nothing else', () => {
    expect(fromSqliteError(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }), 'r').retriable).toBe(
      true,
    );
    expect(
      fromSqliteError(Object.assign(new Error('corrupt'), { code: 'SQLITE_CORRUPT' }), 'r').retriable,
    ).toBe(false);
  });
});

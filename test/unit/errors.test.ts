import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/cli/output.js';
import { BridgeError, fromPgError, fromSqliteError, isPgFailure } from '../../src/errors.js';
import { openSqlite } from '../../src/sqlite/open.js';
import { tempSqlite } from '../support/sqlite.js';

describe('error classification', () => {
  it('gives SQLite errors caused by the user file their fix: a file that is not a database', () => {
    const path = tempSqlite('not-a-database.db');
    writeFileSync(
      path,
      'these are not the pages of a SQLite database, and there are enough of them'.repeat(20),
    );
    let error: unknown;
    try {
      openSqlite(path).prepare('SELECT 1 FROM sqlite_master').get();
    } catch (e) {
      error = fromSqliteError(e, 'reading');
    }
    expect(error).toBeInstanceOf(BridgeError);
    expect((error as BridgeError).details).toMatchObject({ sqliteCode: 'SQLITE_NOTADB' });
    expect((error as BridgeError).hint).toMatch(/not a SQLite database, or it is encrypted/);
  });

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

  it('tells PostgreSQL failures (a SQLSTATE, a socket error, a dropped connection) from bugs', () => {
    const failure = (e: object) => isPgFailure(Object.assign(new Error('x'), e));
    expect(failure({ code: '57P01' })).toBe(true); // terminating connection due to administrator command
    expect(failure({ code: '57P02' })).toBe(true);
    expect(failure({ code: '57P03' })).toBe(true); // the database system is shutting down
    expect(failure({ code: 'ECONNREFUSED' })).toBe(true);
    expect(failure({ code: 'ECONNRESET' })).toBe(true);
    expect(failure({ message: 'Connection terminated unexpectedly' })).toBe(true);
    expect(failure({ message: 'Client has encountered a connection error and is not queryable' })).toBe(true);
    expect(failure({})).toBe(false);
    expect(isPgFailure(new TypeError("Cannot read properties of undefined (reading 'rows')"))).toBe(false);
    expect(isPgFailure(new BridgeError('TARGET', 'x'))).toBe(false); // already classified
  });

  it('prints a PostgreSQL that went away as TARGET wherever it escaped from, a bug as INTERNAL', () => {
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    expect(describeError(shutdown).text).toMatch(
      /^litebridge: TARGET: PostgreSQL failed: terminating connection/,
    );
    expect(describeError(shutdown).json).toMatchObject({ error: { code: 'TARGET', retriable: true } });
    expect(describeError(new TypeError('x is undefined')).text).toMatch(/^litebridge: INTERNAL: TypeError/);
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

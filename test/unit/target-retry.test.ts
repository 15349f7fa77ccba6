import { BehaviorSubject, defer, lastValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { BridgeError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import type { ChangeBatch } from '../../src/model/change.js';
import {
  RETRY_FIRST_MS,
  RETRY_MAX_MS,
  type RetryState,
  retryTarget,
} from '../../src/pipeline/target-retry.js';

const lost = (): Error =>
  Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
const batch: ChangeBatch = {
  after: 4n,
  upTo: 9n,
  events: 5,
  changes: [],
  firstAt: 0,
  lastAt: 0,
  atHead: true,
};

/** A step that fails `failures` times, then answers; `tries()` counts its calls. */
function flaky(failures: number, error: () => unknown = lost) {
  let calls = 0;
  const step = defer(async () => {
    calls += 1;
    if (calls <= failures) throw error();
    return 'applied';
  });
  return { step, tries: () => calls };
}

const state = (): RetryState => ({
  log: silentLogger,
  stopping$: new BehaviorSubject(false),
  checkpoint: () => 4n,
});

// Fake timers: the waits are the retry's behaviour, not a measurement.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('retryTarget', () => {
  test('a retriable failure is retried after a wait doubling up to RETRY_MAX_MS, until the step succeeds', async () => {
    const { step, tries } = flaky(7);
    const result = lastValueFrom(step.pipe(retryTarget(state(), { context: 'applying', batch })));
    let waited = 0;
    for (const wait of [200, 400, 800, 1600, 3200, 5000, 5000]) {
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(tries()).toBe(1 + waited); // still waiting
      await vi.advanceTimersByTimeAsync(1);
      waited += 1;
      expect(tries()).toBe(1 + waited);
    }
    expect(RETRY_FIRST_MS).toBe(200);
    expect(RETRY_MAX_MS).toBe(5000);
    await expect(result).resolves.toBe('applied');
  });

  test('anything else stops at once as the BridgeError it is', async () => {
    const bad = new BridgeError('BAD_STATE', 'another process is syncing it');
    const { step, tries } = flaky(5, () => bad);
    const error = await lastValueFrom(step.pipe(retryTarget(state(), { context: 'applying', batch }))).catch(
      (e: unknown) => e,
    );
    expect(error).toBe(bad);
    expect(tries()).toBe(1);
  });

  test('a stop asked during the wait ends it at once: one last try, then a TARGET error naming the changes', async () => {
    const retry = state();
    const { step, tries } = flaky(100);
    const failed = lastValueFrom(step.pipe(retryTarget(retry, { context: 'applying', batch }))).catch(
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(RETRY_FIRST_MS + 50); // in the second wait
    expect(tries()).toBe(2);
    retry.stopping$.next(true);
    const error = await failed; // no timer advanced: the stop ended the wait
    expect(tries()).toBe(3);
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({ code: 'TARGET', details: { checkpoint: '4' } });
    expect((error as Error).message).toMatch(
      /^PostgreSQL failed while sync was stopping; changes 5\.\.9 were not applied: applying: Connection terminated/,
    );
  });
});

import { describe, expect, test } from 'vitest';
import {
  fenceMessage,
  fenceTriggerNames,
  fenceTriggersSql,
  isFenceTriggerName,
} from '../../src/sqlite/fence-sql.js';

describe('fence SQL builders', () => {
  const at = new Date('2026-03-04T05:06:07.000Z');

  test('three BEFORE triggers that raise ABORT while the capture flag is on', () => {
    const sql = fenceTriggersSql('flights', { at });
    expect(sql.map((t) => t.name)).toEqual([
      '_litebridge_flights_fence_i',
      '_litebridge_flights_fence_u',
      '_litebridge_flights_fence_d',
    ]);
    for (const [i, event] of ['INSERT', 'UPDATE', 'DELETE'].entries()) {
      expect(sql[i]!.sql).toContain(
        `BEFORE ${event} ON "flights" FOR EACH ROW WHEN (SELECT enabled FROM "_litebridge_capture" WHERE id = 1) = 1`,
      );
      expect(sql[i]!.sql).toContain(
        "SELECT RAISE(ABORT, 'litebridge: this database moved to PostgreSQL at 2026-03-04T05:06:07.000Z;",
      );
    }
  });

  test('unconditional after finish; quotes odd table names in identifiers and in the message', () => {
    const [ins] = fenceTriggersSql(`it's "odd"`, { at, unconditional: true });
    expect(ins!.sql).not.toContain('WHEN');
    expect(ins!.sql).toContain(`ON "it's ""odd""" FOR EACH ROW`);
    expect(ins!.sql).toContain(`writes to "it''s "odd"" are refused here`);
    expect(fenceMessage('t', at)).toMatch(
      /^litebridge: this database moved to PostgreSQL at 2026-03-04T05:06:07\.000Z/,
    );
  });

  test('long and non-ASCII names get a hashed base; every name is recognised', () => {
    const names = Object.values(fenceTriggerNames(`${'é'.repeat(60)}`));
    for (const name of names) {
      expect(/^[A-Za-z0-9_]+$/.test(name)).toBe(true);
      expect(isFenceTriggerName(name)).toBe(true);
    }
    expect(isFenceTriggerName('_litebridge_x_upd')).toBe(false);
    expect(isFenceTriggerName('app_fence_i')).toBe(false);
  });
});

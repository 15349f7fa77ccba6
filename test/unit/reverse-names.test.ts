import { describe, expect, it } from 'vitest';
import { formatLsn, isLsnAfter, parseLsn } from '../../src/model/position.js';
import { replicationName, slotName } from '../../src/pg/replication.js';

describe('replicationName', () => {
  it('is litebridge_<source id> for a plain id', () => {
    expect(replicationName('collector')).toBe('litebridge_collector');
  });

  it('sanitizes and hashes other ids, within 63 bytes, distinct per exact id', () => {
    const names = ['Collector', 'collector-2', 'vatsim collector.db', 'ü'.repeat(40), 'x'.repeat(60)].map(
      replicationName,
    );
    for (const name of names) {
      expect(name).toMatch(/^litebridge_[a-z0-9_]+$/);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(replicationName('Collector')).not.toBe(replicationName('collector'));
  });
});

describe('slotName', () => {
  it('differs per database for one source id, and per source id in one database', () => {
    const names = [
      slotName('atc_a', 'atc_optimization'),
      slotName('atc_b', 'atc_optimization'),
      slotName('atc_a', 'other'),
      slotName('atc_a', 'Atc_Optimization'),
    ];
    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).toMatch(/^litebridge_atc_optimization_[0-9a-f]{8}$/);
    // Never the name older versions gave the slot (the publication's), so no old slot is taken by mistake.
    expect(slotName('atc_a', 'atc_optimization')).not.toBe(replicationName('atc_optimization'));
  });

  it("keeps to slot names' rules for any id and database", () => {
    for (const id of ['vatsim collector.db', 'ü'.repeat(40), 'x'.repeat(80)]) {
      const name = slotName('a database with spaces', id);
      expect(name).toMatch(/^litebridge_[a-z0-9_]+$/);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    }
  });
});

describe('LSN', () => {
  it('parses and prints PostgreSQL LSNs, padded or not', () => {
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(parseLsn('00000000/01BAE250')).toBe(0x1bae250n);
    expect(formatLsn(parseLsn('00000000/01bae250'))).toBe('0/1BAE250');
    expect(() => parseLsn('12345')).toThrow('is not a PostgreSQL LSN');
  });

  it('orders LSNs as positions, not as text; no position yet is before every LSN', () => {
    expect(isLsnAfter('10/0', '9/FFFFFFFF')).toBe(true);
    expect(isLsnAfter('0/1BAE250', '00000000/01BAE250')).toBe(false);
    expect(isLsnAfter('0/A', '0/B')).toBe(false);
    expect(isLsnAfter('0/0', null)).toBe(true);
  });
});

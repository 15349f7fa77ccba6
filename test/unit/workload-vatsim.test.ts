import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/workload/prng.js';
import {
  buildVatsimDatabase,
  planVatsimRows,
  VATSIM_SCHEMA_SQL,
  VATSIM_TABLES,
} from '../../src/workload/vatsim.js';
import { tempSqlite } from '../support/sqlite.js';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('planVatsimRows', () => {
  it.each([0, 1, 10, 57, 5_000, 123_457, 2_000_000])('hands out exactly %i rows', (rows) => {
    const counts = planVatsimRows(rows);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(rows);
    expect(Object.values(counts).every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
  });

  it('distributes rows like a collector', () => {
    const counts = planVatsimRows(2_000_000);
    expect(counts.flights / 2_000_000).toBeGreaterThan(0.65);
    expect(counts.flights / 2_000_000).toBeLessThan(0.75);
    expect(counts.traffic_movements / 2_000_000).toBeGreaterThan(0.18);
    expect(counts.controllers).toBeLessThanOrEqual(3000);
    expect(counts.movement_detection_config).toBe(7);
  });

  it('refuses a negative or fractional count', () => {
    expect(() => planVatsimRows(-1)).toThrow(RangeError);
    expect(() => planVatsimRows(1.5)).toThrow(RangeError);
  });
});

describe('VATSIM_SCHEMA_SQL', () => {
  it('is the real collector schema, less the table SQLite makes itself', () => {
    const fixture = readFileSync(new URL('../fixtures/vatsim-schema.sql', import.meta.url), 'utf8');
    const expected = fixture
      .split('\n')
      .filter((line) => !line.startsWith('CREATE TABLE sqlite_sequence'))
      .join('\n');
    expect(VATSIM_SCHEMA_SQL.trimEnd()).toBe(expected.trimEnd());
  });
});

describe('Prng', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const seqA = Array.from({ length: 5 }, () => a.float());
    expect(Array.from({ length: 5 }, () => b.float())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.float())).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('buildVatsimDatabase', () => {
  it('is deterministic for a seed: the same file twice, another for another seed', () => {
    const first = tempSqlite('a.db');
    const second = tempSqlite('b.db');
    const third = tempSqlite('c.db');
    buildVatsimDatabase(first, { rows: 5_000, seed: 7 });
    buildVatsimDatabase(second, { rows: 5_000, seed: 7 });
    buildVatsimDatabase(third, { rows: 5_000, seed: 8 });
    expect(sha256(second)).toBe(sha256(first));
    expect(sha256(third)).not.toBe(sha256(first));
  });

  it('fills every table with its planned rows', () => {
    const path = tempSqlite();
    const progress: number[] = [];
    const result = buildVatsimDatabase(path, {
      rows: 5_000,
      journalMode: 'delete',
      onProgress: (p) => progress.push(p.rowsDone),
    });
    const db = new Database(path, { readonly: true });
    try {
      const tables = db
        .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> 'sqlite_sequence'`)
        .pluck()
        .all();
      expect([...tables].sort()).toEqual([...VATSIM_TABLES].sort());
      for (const table of VATSIM_TABLES) {
        const n = db.prepare(`SELECT count(*) FROM "${table}"`).pluck().get();
        expect(n, table).toBe(result.counts[table]);
        expect(n, table).toBeGreaterThan(0);
      }
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(progress.at(-1)).toBe(5_000);
    } finally {
      db.close();
    }
  });

  it('writes values the way the real collector does', () => {
    const path = tempSqlite();
    buildVatsimDatabase(path, { rows: 5_000, seed: 3 });
    const db = new Database(path, { readonly: true });
    try {
      const one = (sql: string): unknown => db.prepare(sql).pluck().get();
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const position = JSON.parse(String(one('SELECT position FROM flights LIMIT 1'))) as Record<
        string,
        unknown
      >;
      expect(Object.keys(position)).toEqual(['latitude', 'longitude', 'altitude']);
      const stamp = String(one('SELECT last_updated FROM flights LIMIT 1'));
      expect(stamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
      expect(one('SELECT count(*) FROM flights WHERE altitude_small > 32767')).toBeGreaterThan(0);
      expect(one('SELECT count(*) FROM flights WHERE altitude_small IS NULL')).toBeGreaterThan(0);
      expect(
        one(`SELECT count(*) FROM traffic_movements t
             WHERE flight_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM flights f WHERE f.id = t.flight_id)`),
      ).toBeGreaterThan(0);
      const scores = db
        .prepare('SELECT confidence_score FROM traffic_movements WHERE confidence_score IS NOT NULL')
        .pluck()
        .all() as number[];
      // Full doubles: most do not survive a round trip through 15 significant digits.
      expect(scores.filter((x) => Number(x.toPrecision(15)) !== x).length).toBeGreaterThan(scores.length / 2);
      expect(one(`SELECT typeof(is_active) FROM airport_config LIMIT 1`)).toBe('integer');
      expect(one(`SELECT typeof(latitude) FROM airport_config LIMIT 1`)).toBe('real');
      expect(one('SELECT count(*) - count(DISTINCT callsign) FROM controllers')).toBe(0);
      expect(one(`SELECT seq FROM sqlite_sequence WHERE name = 'movement_summaries'`)).toBe(
        one('SELECT count(*) FROM movement_summaries'),
      );
    } finally {
      db.close();
    }
  });
});

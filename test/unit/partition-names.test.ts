import { describe, expect, it } from 'vitest';
import { firstGap, parseBound } from '../../src/pg/partition-catalog.js';
import { missingStarts } from '../../src/pg/partition-maintenance.js';
import {
  addIntervals,
  defaultPartitionName,
  intervalsAhead,
  partitionName,
  wantedHorizon,
} from '../../src/schema/partition-names.js';

describe('partition convention', () => {
  it('names every interval <table>_pYYYYMMDD after its UTC start, as pg_partman v5 does', () => {
    expect(partitionName('flights', new Date('2025-07-01T00:00:00Z'))).toBe('flights_p20250701');
    expect(partitionName('flights', new Date('2025-07-21T00:00:00Z'))).toBe('flights_p20250721');
    expect(defaultPartitionName('flights')).toBe('flights_default');
  });

  it('keeps the current partition plus premake ahead, like pg_partman premake', () => {
    const now = new Date('2025-07-23T10:00:00Z');
    expect(wantedHorizon(now, 'day', 4).toISOString()).toBe('2025-07-28T00:00:00.000Z');
    // Wednesday: current week starts Monday 21st, four more weeks end Monday 25 August.
    expect(wantedHorizon(now, 'week', 4).toISOString()).toBe('2025-08-25T00:00:00.000Z');
    expect(wantedHorizon(new Date('2025-10-31T23:00:00Z'), 'month', 4).toISOString()).toBe(
      '2026-03-01T00:00:00.000Z',
    );
    expect(intervalsAhead(now, wantedHorizon(now, 'day', 4), 'day')).toBeGreaterThanOrEqual(4);
  });

  it('measures the horizon in intervals, fractions and behind-now included', () => {
    const now = new Date('2025-07-23T12:00:00Z');
    expect(intervalsAhead(now, new Date('2025-07-25T00:00:00Z'), 'day')).toBeCloseTo(1.5);
    expect(intervalsAhead(now, new Date('2025-07-22T00:00:00Z'), 'day')).toBeCloseTo(-1.5);
    expect(
      intervalsAhead(new Date('2025-02-15T00:00:00Z'), new Date('2025-04-01T00:00:00Z'), 'month'),
    ).toBeCloseTo(2 - 14 / 28);
    expect(addIntervals(new Date('2025-01-31T00:00:00Z'), 'day', -31).toISOString()).toBe(
      '2024-12-31T00:00:00.000Z',
    );
  });
});

describe('partition catalog reading', () => {
  it('reads the bounds pg_get_expr prints in a UTC session, for date, timestamp and timestamptz', () => {
    expect(parseBound("'2025-07-23'")?.toISOString()).toBe('2025-07-23T00:00:00.000Z');
    expect(parseBound("'2025-07-23 00:00:00'")?.toISOString()).toBe('2025-07-23T00:00:00.000Z');
    expect(parseBound("'2025-07-23 00:00:00+00'")?.toISOString()).toBe('2025-07-23T00:00:00.000Z');
    expect(parseBound("'2025-07-23 10:30:00.25+02'")?.toISOString()).toBe('2025-07-23T08:30:00.250Z');
    expect(parseBound('MINVALUE')).toBeNull();
  });

  it('finds holes and the missing interval starts up to a bound', () => {
    const d = (s: string) => new Date(`${s}T00:00:00Z`);
    const ranges = [
      { name: 'a', from: d('2025-07-01'), to: d('2025-07-02') },
      { name: 'c', from: d('2025-07-03'), to: d('2025-07-04') },
    ];
    expect(firstGap(ranges)?.toISOString()).toBe('2025-07-02T00:00:00.000Z');
    expect(firstGap(ranges.slice(0, 1))).toBeNull();
    const table = { partitioning: { column: 'at', interval: 'day', premake: 4, retention: null } } as never;
    expect(
      missingStarts({ ranges, defaultName: 't_default' }, table, d('2025-07-06')).map((s) =>
        s.toISOString().slice(0, 10),
      ),
    ).toEqual(['2025-07-02', '2025-07-04', '2025-07-05']);
  });
});

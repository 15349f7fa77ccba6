import type { Prng } from './prng.js';
import type { Airport } from './vatsim-airports.js';
import type { VatsimTable } from './vatsim-schema.js';

/** A value bound to an INSERT parameter. */
export type CellValue = string | number | null;

/** How the rows of one table are made: its columns and a builder for row `i` (0-based, in order). */
export interface TableRows {
  readonly table: VatsimTable;
  readonly columns: readonly string[];
  readonly row: (i: number) => readonly CellValue[];
}

/** What the tables share while one database is built: time span, ids already handed out. */
export interface BuildContext {
  readonly rng: Prng;
  /** Collector start, microseconds since epoch. */
  readonly startMicros: number;
  /** How long the collector ran, microseconds. */
  readonly spanMicros: number;
  /** The airports in airport_config (also the ones traffic_movements watches). */
  readonly watched: readonly Airport[];
  readonly controllerIds: number[];
  readonly sectorIds: number[];
  readonly flightIds: number[];
}

/** Microseconds in a minute and in a day. */
export const MICROS_PER_MINUTE = 60_000_000;
export const MICROS_PER_DAY = 86_400_000_000;

/** Time of the `i`-th of `count` rows, spread over the collector's run with some jitter. */
export function timeOf(ctx: BuildContext, i: number, count: number): number {
  const base = ctx.startMicros + Math.floor((i / Math.max(count, 1)) * ctx.spanMicros);
  return base + ctx.rng.int(0, 5 * MICROS_PER_MINUTE);
}

/** A controller id: usually a real one, sometimes one that no controller has (unchecked foreign key). */
export function controllerRef(ctx: BuildContext, p: number): number | null {
  const { rng } = ctx;
  if (!rng.chance(p) || ctx.controllerIds.length === 0) return null;
  if (rng.chance(0.05)) return ctx.controllerIds[ctx.controllerIds.length - 1]! + rng.int(1, 9000);
  return rng.pick(ctx.controllerIds);
}

/** A sector id, or null. */
export function sectorRef(ctx: BuildContext, p: number): number | null {
  if (!ctx.rng.chance(p) || ctx.sectorIds.length === 0) return null;
  return ctx.rng.pick(ctx.sectorIds);
}

/** The id after `previous`, sometimes skipping a few (rows the collector deleted). */
export function nextId(rng: Prng, previous: number, gapChance: number): number {
  return previous + 1 + (rng.chance(gapChance) ? rng.int(1, 8) : 0);
}

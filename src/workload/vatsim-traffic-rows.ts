import { AIRPORTS } from './vatsim-airports.js';
import {
  type BuildContext,
  type CellValue,
  controllerRef,
  MICROS_PER_DAY,
  MICROS_PER_MINUTE,
  nextId,
  sectorRef,
  type TableRows,
  timeOf,
} from './vatsim-context.js';
import {
  aircraftType,
  coordinate,
  datetime,
  flightCallsign,
  pilotName,
  positionJson,
  route,
} from './vatsim-values.js';

/** An aircraft type as the feed gives it: mostly empty text (as in the real file), some NULL. */
function feedAircraftType(ctx: BuildContext): string | null {
  const roll = ctx.rng.float();
  return roll < 0.6 ? '' : roll < 0.65 ? null : aircraftType(ctx.rng);
}

/** A cruising or climbing altitude in feet; a few below sea level or absurdly high, as the feed has. */
function altitude(ctx: BuildContext): number {
  const roll = ctx.rng.float();
  if (roll < 0.2) return ctx.rng.int(-60, 1500); // on the ground or taxiing
  if (roll < 0.995) return ctx.rng.int(1500, 43_000);
  return ctx.rng.int(43_000, 80_000);
}

/**
 * Rows of `flights`: one position report per row, ids with gaps, long routes, position JSON,
 * SMALLINT altitudes above 32767, mostly-NULL foreign keys of which some point at nothing.
 */
export function flightRows(ctx: BuildContext, count: number): TableRows {
  const { rng } = ctx;
  let id = 110;
  return {
    table: 'flights',
    columns: [
      'id',
      'callsign',
      'aircraft_type',
      'departure',
      'arrival',
      'route',
      'altitude',
      'speed',
      'position',
      'controller_id',
      'sector_id',
      'last_updated',
      'pilot_name',
      'position_lat',
      'position_lng',
      'altitude_small',
      'speed_small',
    ],
    row: (i): readonly CellValue[] => {
      id = nextId(rng, id, 0.3);
      ctx.flightIds.push(id);
      const alt = altitude(ctx);
      const speed = alt < 1500 ? rng.int(0, 30) : rng.int(120, rng.chance(0.001) ? 1128 : 560);
      const lat = coordinate(rng.range(-60, 70));
      const lon = coordinate(rng.range(-180, 180));
      const compressed = rng.chance(0.3);
      const small = rng.chance(0.75);
      const noPlan = rng.chance(0.07);
      return [
        id,
        flightCallsign(rng),
        feedAircraftType(ctx),
        noPlan ? '' : rng.pick(AIRPORTS).icao,
        noPlan ? '' : rng.pick(AIRPORTS).icao,
        noPlan ? '' : route(rng),
        alt,
        speed,
        positionJson(lat, lon, alt),
        controllerRef(ctx, 0.1),
        sectorRef(ctx, 0.05),
        datetime(timeOf(ctx, i, count)),
        pilotName(rng),
        compressed ? Math.round(lat * 100_000) : null,
        compressed ? Math.round(lon * 100_000) : null,
        small ? Math.max(0, alt + rng.int(-1500, 1500)) : null, // SMALLINT column, values up to ~80000
        small ? speed : null,
      ];
    },
  };
}

/** A flight id for a movement: usually one that exists, some that never did (dangling), some NULL. */
function flightRef(ctx: BuildContext): number | null {
  const { rng } = ctx;
  const roll = rng.float();
  if (roll < 0.03 || ctx.flightIds.length === 0) return null;
  if (roll < 0.11) return ctx.flightIds[ctx.flightIds.length - 1]! + rng.int(1, 50_000);
  return rng.pick(ctx.flightIds);
}

/** Rows of `traffic_movements`: departures and arrivals with full-precision confidence scores. */
export function trafficMovementRows(ctx: BuildContext, count: number): TableRows {
  const { rng } = ctx;
  return {
    table: 'traffic_movements',
    columns: [
      'id',
      'callsign',
      'airport_icao',
      'movement_type',
      'aircraft_type',
      'pilot_name',
      'timestamp',
      'confidence_score',
      'detection_method',
      'flight_id',
    ],
    row: (i) => [
      i + 1,
      flightCallsign(rng),
      rng.pick(ctx.watched).icao,
      rng.chance(0.5) ? 'departure' : 'arrival',
      feedAircraftType(ctx),
      pilotName(rng),
      datetime(timeOf(ctx, i, count)),
      rng.chance(0.02) ? null : rng.range(0.55, 1),
      rng.chance(0.9) ? 'position' : rng.pick(['speed', 'altitude', 'manual']),
      flightRef(ctx),
    ],
  };
}

/** Rows of `flight_summaries`: finished flights, SMALLINT max altitudes often above 32767. */
export function flightSummaryRows(ctx: BuildContext, count: number): TableRows {
  const { rng } = ctx;
  return {
    table: 'flight_summaries',
    columns: [
      'id',
      'callsign',
      'aircraft_type',
      'departure',
      'arrival',
      'route',
      'max_altitude',
      'duration_minutes',
      'controller_id',
      'sector_id',
      'completed_at',
    ],
    row: (i) => [
      i + 1,
      flightCallsign(rng),
      feedAircraftType(ctx),
      rng.pick(AIRPORTS).icao,
      rng.pick(AIRPORTS).icao,
      rng.chance(0.05) ? null : route(rng),
      rng.chance(0.03) ? null : rng.int(2000, 43_000),
      rng.int(12, 960),
      controllerRef(ctx, 0.3),
      sectorRef(ctx, 0.1),
      datetime(timeOf(ctx, i, count) + 30 * MICROS_PER_MINUTE),
    ],
  };
}

/** Rows of `movement_summaries`: hourly counts per airport; ids left to AUTOINCREMENT (null here). */
export function movementSummaryRows(ctx: BuildContext): TableRows {
  const { rng } = ctx;
  return {
    table: 'movement_summaries',
    columns: ['id', 'airport_icao', 'movement_type', 'aircraft_type', 'date', 'hour', 'count'],
    row: (i) => {
      const day = ctx.startMicros - (ctx.startMicros % MICROS_PER_DAY) + Math.floor(i / 48) * MICROS_PER_DAY;
      return [
        null,
        rng.pick(ctx.watched).icao,
        i % 2 === 0 ? 'departure' : 'arrival',
        rng.chance(0.7) ? null : aircraftType(rng),
        datetime(day),
        Math.floor(i / 2) % 24,
        rng.chance(0.05) ? null : rng.int(0, 120),
      ];
    },
  };
}

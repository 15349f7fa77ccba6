/**
 * The live writer's writing side: one tick of the VATSIM-collector-like workload (position
 * updates, new flights, departures and arrivals, stale flights deleted) in one transaction.
 */
import Database from 'better-sqlite3';
import { Prng } from './prng.js';
import { AIRPORTS } from './vatsim-airports.js';
import type { LiveKeys, VatsimLiveCounters } from './vatsim-live.js';
import {
  aircraftType,
  coordinate,
  datetime,
  flightCallsign,
  pilotName,
  positionJson,
  route,
} from './vatsim-values.js';

/** A flight the writer moves. */
interface Flight {
  readonly id: number;
  readonly callsign: string;
  readonly aircraftType: string | null;
  readonly departure: string;
  readonly arrival: string;
  readonly pilotName: string;
  lat: number;
  lon: number;
  altitude: number;
  speed: number;
  heading: number;
}

/** The four statements of a tick. */
export type LiveStatementKind = 'insertFlight' | 'updateFlight' | 'deleteFlight' | 'insertMovement';

/** One statement a tick ran, with its parameters in placeholder order. */
export interface LiveStatement {
  readonly kind: LiveStatementKind;
  readonly params: readonly (string | number | null)[];
}

/**
 * The writer's statements as SQLite runs them (`?` placeholders); their PostgreSQL forms, same
 * parameters in the same order, are `LIVE_SQL_POSTGRES` in `vatsim-live-postgres.ts`.
 */
export const LIVE_SQL: Readonly<Record<LiveStatementKind, string>> = {
  insertFlight: `INSERT INTO flights (id, callsign, aircraft_type, departure, arrival, route, altitude, speed,
  position, last_updated, pilot_name, position_lat, position_lng) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  updateFlight: `UPDATE flights SET altitude = ?, speed = ?, position = ?, position_lat = ?, position_lng = ?,
  last_updated = ? WHERE id = ?`,
  deleteFlight: 'DELETE FROM flights WHERE id = ?',
  insertMovement: `INSERT INTO traffic_movements (id, callsign, airport_icao, movement_type, aircraft_type,
  pilot_name, timestamp, confidence_score, detection_method, flight_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
};

/** Share of a tick's events spent on new flights, on stale deletions, and on movements. */
const NEW_SHARE = 0.02;
const STALE_SHARE = 0.02;

/** The writing side: prepared statements and the active flights of one open file. */
export class VatsimLiveWriter {
  readonly counters: VatsimLiveCounters = {
    ticks: 0,
    events: 0,
    updates: 0,
    inserts: 0,
    deletes: 0,
    movements: 0,
    failedTicks: 0,
    maxTickMs: 0,
    lastError: null,
  };
  readonly #db: Database.Database;
  readonly #rng: Prng;
  readonly #active: Flight[] = [];
  readonly #target: number;
  #cursor = 0;
  /** Every flight id of the file, for 'random' keys (null for 'hot'). */
  readonly #allIds: number[] | null;
  #nextFlightId: number;
  #nextMovementId: number;
  readonly #statements: Readonly<Record<LiveStatementKind, Database.Statement>>;
  readonly #record: ((statement: LiveStatement) => void) | undefined;

  /** Opens `path` (WAL, synchronous=NORMAL, 5 s busy timeout) and loads the newest flights as active. */
  constructor(
    path: string,
    options: {
      readonly seed?: number;
      readonly activeFlights?: number;
      readonly keys?: LiveKeys;
      /** Called with every statement the ticks run (after it ran), to replay them elsewhere. */
      readonly record?: (statement: LiveStatement) => void;
    } = {},
  ) {
    this.#db = new Database(path, { fileMustExist: true });
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('foreign_keys = OFF');
    this.#rng = new Prng(options.seed ?? 1);
    this.#target = options.activeFlights ?? 1500;
    const rows = this.#db
      .prepare(
        'SELECT id, callsign, aircraft_type, departure, arrival, pilot_name, altitude, speed FROM flights ORDER BY id DESC LIMIT ?',
      )
      .all(this.#target) as {
      id: number;
      callsign: string;
      aircraft_type: string | null;
      departure: string | null;
      arrival: string | null;
      pilot_name: string | null;
      altitude: number | null;
      speed: number | null;
    }[];
    for (const r of rows.reverse()) {
      this.#active.push({
        id: r.id,
        callsign: r.callsign,
        aircraftType: r.aircraft_type,
        departure: r.departure ?? '',
        arrival: r.arrival ?? '',
        pilotName: r.pilot_name ?? '',
        lat: this.#rng.range(-60, 70),
        lon: this.#rng.range(-180, 180),
        altitude: r.altitude ?? 0,
        speed: r.speed ?? 0,
        heading: this.#rng.range(0, 360),
      });
    }
    const maxId = (table: string): number =>
      Number((this.#db.prepare(`SELECT coalesce(max(id), 0) AS m FROM ${table}`).get() as { m: number }).m);
    this.#nextFlightId = maxId('flights') + 1;
    this.#nextMovementId = maxId('traffic_movements') + 1;
    this.#statements = {
      insertFlight: this.#db.prepare(LIVE_SQL.insertFlight),
      updateFlight: this.#db.prepare(LIVE_SQL.updateFlight),
      deleteFlight: this.#db.prepare(LIVE_SQL.deleteFlight),
      insertMovement: this.#db.prepare(LIVE_SQL.insertMovement),
    };
    this.#record = options.record;
    this.#allIds =
      options.keys === 'random'
        ? (this.#db.prepare('SELECT id FROM flights').pluck().all() as number[])
        : null;
  }

  /** Writes one tick of about `events` row changes in one transaction; returns the events written. */
  tick(events: number): number {
    if (events <= 0) return 0;
    const started = performance.now();
    let written = 0;
    const before = { ...this.counters };
    try {
      this.#db
        .transaction(() => {
          written = this.#tickBody(events);
        })
        .immediate();
    } catch (error) {
      // Roll the in-memory counters back to match the rolled-back transaction.
      Object.assign(this.counters, before);
      this.counters.failedTicks += 1;
      this.counters.lastError = error instanceof Error ? error.message : String(error);
      return 0;
    }
    this.counters.ticks += 1;
    this.counters.events += written;
    this.counters.maxTickMs = Math.max(this.counters.maxTickMs, performance.now() - started);
    return written;
  }

  /** Closes the file. */
  close(): void {
    this.#db.close();
  }

  #tickBody(events: number): number {
    const rng = this.#rng;
    const now = Date.now() * 1000;
    let left = events;
    // Stale flights go (more when above the target), new ones come (more when below it).
    const drift = this.#active.length - this.#target;
    const stale = Math.min(
      left,
      this.#active.length,
      Math.max(0, round(rng, events * STALE_SHARE) + Math.max(0, drift)),
    );
    for (let i = 0; i < stale && left > 0; i++) {
      const index = rng.int(
        0,
        Math.min(this.#active.length - 1, Math.max(0, Math.floor(this.#active.length / 4))),
      );
      const [flight] = this.#active.splice(index, 1);
      if (flight === undefined) break;
      this.#run('deleteFlight', [flight.id]);
      this.counters.deletes += 1;
      left -= 1;
      if (left > 0 && flight.arrival !== '' && rng.chance(0.5)) {
        this.#movement(flight, flight.arrival, 'arrival', now);
        left -= 1;
      }
    }
    const fresh = Math.min(left, Math.max(0, round(rng, events * NEW_SHARE) + Math.max(0, -drift)));
    for (let i = 0; i < fresh && left > 0; i++) {
      const flight = this.#newFlight(now);
      left -= 1;
      if (left > 0 && flight.departure !== '' && rng.chance(0.5)) {
        this.#movement(flight, flight.departure, 'departure', now);
        left -= 1;
      }
    }
    while (left > 0 && this.#allIds !== null && this.#allIds.length > 0) {
      if (this.#moveRandom(now)) left -= 1;
    }
    while (left > 0 && this.#active.length > 0) {
      this.#cursor = (this.#cursor + 1) % this.#active.length;
      this.#move(this.#active[this.#cursor]!, now);
      left -= 1;
    }
    return events - left;
  }

  #newFlight(now: number): Flight {
    const rng = this.#rng;
    const noPlan = rng.chance(0.07);
    const flight: Flight = {
      id: this.#nextFlightId,
      callsign: flightCallsign(rng),
      aircraftType: rng.chance(0.6) ? '' : aircraftType(rng),
      departure: noPlan ? '' : rng.pick(AIRPORTS).icao,
      arrival: noPlan ? '' : rng.pick(AIRPORTS).icao,
      pilotName: pilotName(rng),
      lat: rng.range(-60, 70),
      lon: rng.range(-180, 180),
      altitude: rng.int(-60, 1500),
      speed: rng.int(0, 30),
      heading: rng.range(0, 360),
    };
    this.#nextFlightId += 1 + (rng.chance(0.3) ? rng.int(1, 8) : 0);
    const lat = coordinate(flight.lat);
    const lon = coordinate(flight.lon);
    this.#run('insertFlight', [
      flight.id,
      flight.callsign,
      flight.aircraftType,
      flight.departure,
      flight.arrival,
      noPlan ? '' : route(rng),
      flight.altitude,
      flight.speed,
      positionJson(lat, lon, flight.altitude),
      datetime(now + rng.int(0, 999)),
      flight.pilotName,
      Math.round(lat * 100_000),
      Math.round(lon * 100_000),
    ]);
    this.#active.push(flight);
    this.counters.inserts += 1;
    return flight;
  }

  #move(flight: Flight, now: number): void {
    const rng = this.#rng;
    flight.heading = (flight.heading + rng.range(-5, 5) + 360) % 360;
    flight.altitude = Math.max(-60, Math.min(45_000, flight.altitude + rng.int(-1500, 2500)));
    flight.speed =
      flight.altitude < 1500
        ? rng.int(0, 180)
        : Math.max(120, Math.min(560, flight.speed + rng.int(-20, 30)));
    const step = flight.speed / 3600 / 60; // degrees per second, roughly
    const rad = (flight.heading * Math.PI) / 180;
    flight.lat = Math.max(-85, Math.min(85, flight.lat + step * Math.cos(rad)));
    flight.lon = ((flight.lon + step * Math.sin(rad) + 540) % 360) - 180;
    const lat = coordinate(flight.lat);
    const lon = coordinate(flight.lon);
    this.#run('updateFlight', [
      flight.altitude,
      flight.speed,
      positionJson(lat, lon, flight.altitude),
      Math.round(lat * 100_000),
      Math.round(lon * 100_000),
      datetime(now + rng.int(0, 999)),
      flight.id,
    ]);
    this.counters.updates += 1;
  }

  /** Moves a flight picked at random among all of the file's; false when it was deleted meanwhile. */
  #moveRandom(now: number): boolean {
    const rng = this.#rng;
    const ids = this.#allIds!;
    const index = rng.int(0, ids.length - 1);
    const lat = coordinate(rng.range(-60, 70));
    const lon = coordinate(rng.range(-180, 180));
    const altitude = rng.int(-60, 45_000);
    const changes = this.#run('updateFlight', [
      altitude,
      rng.int(0, 560),
      positionJson(lat, lon, altitude),
      Math.round(lat * 100_000),
      Math.round(lon * 100_000),
      datetime(now + rng.int(0, 999)),
      ids[index]!,
    ]);
    if (changes === 0) {
      ids[index] = ids[ids.length - 1]!;
      ids.pop();
      return false;
    }
    this.counters.updates += 1;
    return true;
  }

  /** Runs one of the tick's statements and records it; returns the rows it changed. */
  #run(kind: LiveStatementKind, params: LiveStatement['params']): number {
    const { changes } = this.#statements[kind].run(...params);
    this.#record?.({ kind, params });
    return changes;
  }

  #movement(flight: Flight, airport: string, type: 'departure' | 'arrival', now: number): void {
    const rng = this.#rng;
    this.#run('insertMovement', [
      this.#nextMovementId++,
      flight.callsign,
      airport,
      type,
      flight.aircraftType,
      flight.pilotName,
      datetime(now + rng.int(0, 999)),
      rng.range(0.5, 1),
      rng.pick(['altitude_speed', 'proximity', 'geofence']),
      flight.id,
    ]);
    this.counters.movements += 1;
  }
}

function round(rng: Prng, expected: number): number {
  const whole = Math.floor(expected);
  return whole + (rng.chance(expected - whole) ? 1 : 0);
}

/**
 * The live writer's statements in their PostgreSQL form, for running the same ticks on the
 * migrated database (`bench/write-cycle.ts`): the same parameters in the same order as
 * `LIVE_SQL`, `$n` placeholders. The writer issues no SQLite-only syntax (no `INSERT OR REPLACE`,
 * no `ON CONFLICT` clause), so each form is the same statement; on partitioned `flights` an
 * `UPDATE … WHERE id` that changes `last_updated` across a partition bound moves the row.
 */
import type { LiveStatementKind } from './vatsim-live.js';

/** Each tick statement as PostgreSQL runs it, parameters as in `LIVE_SQL`. */
export const LIVE_SQL_POSTGRES: Readonly<Record<LiveStatementKind, string>> = {
  insertFlight: `INSERT INTO flights (id, callsign, aircraft_type, departure, arrival, route, altitude, speed,
  position, last_updated, pilot_name, position_lat, position_lng)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
  updateFlight: `UPDATE flights SET altitude = $1, speed = $2, position = $3, position_lat = $4, position_lng = $5,
  last_updated = $6 WHERE id = $7`,
  deleteFlight: 'DELETE FROM flights WHERE id = $1',
  insertMovement: `INSERT INTO traffic_movements (id, callsign, airport_icao, movement_type, aircraft_type,
  pilot_name, timestamp, confidence_score, detection_method, flight_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
};

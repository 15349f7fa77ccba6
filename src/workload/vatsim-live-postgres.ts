/**
 * The live writer's statements in their PostgreSQL form, for running the same ticks on the
 * migrated database (`bench/write-cycle.ts`): the same parameters in the same order as
 * `LIVE_SQL`, `$n` placeholders. The writer issues no SQLite-only syntax (no `INSERT OR REPLACE`,
 * no `ON CONFLICT` clause), so each form is the same statement; on partitioned `flights` an
 * `UPDATE … WHERE id` that changes `last_updated` across a partition bound moves the row.
 */
import type { LiveStatement, LiveStatementKind } from './vatsim-live-writer.js';

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

/**
 * One tick as four set-based statements, the form a PostgreSQL application sends to spare a round
 * trip per row: parameters are arrays, one per column, in `LIVE_SQL` order. Run in the order of
 * `LIVE_BATCH_ORDER` (a tick deletes stale flights before it inserts new ones, and may move a new
 * flight in the same tick); `updateFlight` takes each flight's last update of the tick. No
 * `INSERT … ON CONFLICT DO UPDATE`: a unique index on a partitioned `flights` must hold the
 * partition column, and an update moves `last_updated`, so the conflict would never fire.
 */
export const LIVE_SQL_POSTGRES_BATCH: Readonly<Record<LiveStatementKind, string>> = {
  deleteFlight: 'DELETE FROM flights WHERE id = ANY($1::bigint[])',
  insertFlight: `INSERT INTO flights (id, callsign, aircraft_type, departure, arrival, route, altitude, speed,
  position, last_updated, pilot_name, position_lat, position_lng)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
  $8::bigint[], $9::text[], $10::timestamp[], $11::text[], $12::bigint[], $13::bigint[])`,
  insertMovement: `INSERT INTO traffic_movements (id, callsign, airport_icao, movement_type, aircraft_type,
  pilot_name, timestamp, confidence_score, detection_method, flight_id)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
  $7::timestamp[], $8::float8[], $9::text[], $10::bigint[])`,
  updateFlight: `UPDATE flights f SET altitude = v.altitude, speed = v.speed, position = v.position,
  position_lat = v.position_lat, position_lng = v.position_lng, last_updated = v.last_updated
  FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::timestamp[], $7::bigint[])
  AS v(altitude, speed, position, position_lat, position_lng, last_updated, id) WHERE f.id = v.id`,
};

/** The order the set-based statements of one tick run in. */
export const LIVE_BATCH_ORDER: readonly LiveStatementKind[] = [
  'deleteFlight',
  'insertFlight',
  'insertMovement',
  'updateFlight',
];

/** The id parameter's position in each kind's parameters (the last update of an id wins). */
const ID_PARAM: Readonly<Record<LiveStatementKind, number>> = {
  deleteFlight: 0,
  insertFlight: 0,
  insertMovement: 0,
  updateFlight: 6,
};

/**
 * One tick's statements as the parameters of `LIVE_SQL_POSTGRES_BATCH`, in `LIVE_BATCH_ORDER`
 * (kinds the tick did not run are left out): per kind, one array per parameter position.
 */
export function batchTick(
  statements: readonly LiveStatement[],
): { readonly kind: LiveStatementKind; readonly params: unknown[][] }[] {
  const byKind = new Map<LiveStatementKind, Map<unknown, LiveStatement['params']>>();
  for (const s of statements) {
    let rows = byKind.get(s.kind);
    if (rows === undefined) byKind.set(s.kind, (rows = new Map()));
    const id = s.params[ID_PARAM[s.kind]];
    rows.delete(id);
    rows.set(id, s.params);
  }
  return LIVE_BATCH_ORDER.flatMap((kind) => {
    const rows = [...(byKind.get(kind)?.values() ?? [])];
    if (rows.length === 0) return [];
    const width = rows[0]!.length;
    return [{ kind, params: Array.from({ length: width }, (_, i) => rows.map((r) => r[i] ?? null)) }];
  });
}

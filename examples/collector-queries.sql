-- The dashboard and reporting queries of a VATSIM collector, for
--   litebridge compare-queries --sqlite vatsim.db --pg $DATABASE_URL --queries examples/collector-queries.sql
-- Each query: "-- name:", the SQL the collector runs on SQLite, and where PostgreSQL needs
-- another form, "-- postgres:" and that form. Sample parameter values ("-- param:") fall
-- inside the demo database's data (npm start); change them to your own data's times.

-- name: active_flights
-- Flights reported since a moment (the dashboard's "live" list).
-- param: since '2025-07-23 19:30:00'
SELECT id, callsign, aircraft_type, departure, arrival, altitude, speed, last_updated
FROM flights
WHERE last_updated >= :since
ORDER BY callsign, id;

-- name: active_flights_per_controller
-- Who is handling how much live traffic; flights without a controller count as "unassigned".
-- SQLite's ifnull is coalesce in PostgreSQL.
-- param: since '2025-07-23 19:00:00'
SELECT ifnull(c.callsign, 'unassigned') AS controller, count(*) AS flights
FROM flights f LEFT JOIN controllers c ON c.id = f.controller_id
WHERE f.last_updated >= :since
GROUP BY 1
ORDER BY flights DESC, controller;
-- postgres:
SELECT coalesce(c.callsign, 'unassigned') AS controller, count(*) AS flights
FROM flights f LEFT JOIN controllers c ON c.id = f.controller_id
WHERE f.last_updated >= :since
GROUP BY 1
ORDER BY flights DESC, controller;

-- name: movements_per_airport_and_hour
-- Departures and arrivals per airport and hour. strftime becomes to_char(date_trunc(…)).
SELECT airport_icao, movement_type, strftime('%Y-%m-%d %H:00', timestamp) AS hour, count(*) AS movements
FROM traffic_movements
GROUP BY airport_icao, movement_type, hour
ORDER BY airport_icao, movement_type, hour;
-- postgres:
SELECT airport_icao, movement_type, to_char(date_trunc('hour', timestamp), 'YYYY-MM-DD HH24:00') AS hour,
       count(*) AS movements
FROM traffic_movements
GROUP BY airport_icao, movement_type, hour
ORDER BY airport_icao, movement_type, hour;

-- name: busiest_airports
-- The top ten airports by movements, departures apart. iif becomes a FILTER clause.
SELECT airport_icao, count(*) AS movements, sum(iif(movement_type = 'departure', 1, 0)) AS departures
FROM traffic_movements
GROUP BY airport_icao
ORDER BY movements DESC, airport_icao
LIMIT 10;
-- postgres:
SELECT airport_icao, count(*) AS movements, count(*) FILTER (WHERE movement_type = 'departure') AS departures
FROM traffic_movements
GROUP BY airport_icao
ORDER BY movements DESC, airport_icao
LIMIT 10;

-- name: controller_coverage
-- Every controller with the sectors it owns and the flights it handles.
SELECT c.callsign, c.facility, c.status,
       (SELECT count(*) FROM sectors s WHERE s.controller_id = c.id) AS sectors,
       coalesce(f.flights, 0) AS flights
FROM controllers c
LEFT JOIN (SELECT controller_id, count(*) AS flights FROM flights GROUP BY controller_id) f ON f.controller_id = c.id
ORDER BY flights DESC, c.callsign;

-- name: sector_load
-- Sectors with their controller and traffic; sectors nobody staffs included.
SELECT s.name, s.facility, s.traffic_density, c.callsign AS controller
FROM sectors s LEFT JOIN controllers c ON c.id = s.controller_id
ORDER BY s.name, s.id;

-- name: detection_radius_per_region
-- Watched airports per region, and their mean detection radius (a double: compared within tolerance).
SELECT region, count(*) AS airports, avg(detection_radius_nm) AS mean_radius_nm
FROM airport_config
WHERE is_active
GROUP BY region
ORDER BY region;

-- name: active_detection_settings
-- The movement detector's active settings. A boolean compared with 1 in SQLite is just the boolean in PostgreSQL.
SELECT config_key, config_value FROM movement_detection_config WHERE is_active = 1 ORDER BY config_key;
-- postgres:
SELECT config_key, config_value FROM movement_detection_config WHERE is_active ORDER BY config_key;

-- name: daily_movement_summary
-- Movements per day and airport from the hourly summaries. date() is a cast to date.
SELECT date(date) AS day, airport_icao, sum(count) AS movements
FROM movement_summaries
GROUP BY day, airport_icao
ORDER BY day, airport_icao;
-- postgres:
SELECT date::date AS day, airport_icao, sum(count) AS movements
FROM movement_summaries
GROUP BY day, airport_icao
ORDER BY day, airport_icao;

-- name: recent_flight_summaries
-- The twenty flights completed last.
SELECT id, callsign, departure, arrival, max_altitude, duration_minutes, completed_at
FROM flight_summaries
ORDER BY completed_at DESC, id DESC
LIMIT 20;

-- name: routes_by_aircraft_type
-- The longest recorded route per aircraft type (text length), and how many flights flew the type.
SELECT aircraft_type, count(*) AS flights, max(length(route)) AS longest_route
FROM flights
WHERE aircraft_type IS NOT NULL
GROUP BY aircraft_type
ORDER BY flights DESC, aircraft_type;

-- name: flight_lookup
-- One callsign, as the search box sends it.
-- param: callsign 'BAW'
SELECT id, callsign, departure, arrival, altitude
FROM flights
WHERE callsign >= :callsign AND callsign < :callsign || 'Z'
ORDER BY callsign, id;

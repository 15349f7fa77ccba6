/**
 * The schema of a real VATSIM collector database (`sqlite3 FILE .schema`): 10 tables and their
 * indexes, exactly as the collector created them (VARCHAR(n), DATETIME, FLOAT, BOOLEAN, SMALLINT,
 * declared but unchecked foreign keys, one AUTOINCREMENT table). Only `sqlite_sequence` is left
 * out: SQLite creates it itself with the AUTOINCREMENT table.
 */
export const VATSIM_SCHEMA_SQL = `CREATE TABLE controllers (
	id INTEGER NOT NULL, 
	callsign VARCHAR(50) NOT NULL, 
	facility VARCHAR(50) NOT NULL, 
	position VARCHAR(50), 
	status VARCHAR(20), 
	frequency VARCHAR(20), 
	last_seen DATETIME, 
	workload_score FLOAT, 
	preferences TEXT, 
	PRIMARY KEY (id)
);
CREATE TABLE system_config (
	id INTEGER NOT NULL, 
	"key" VARCHAR(100) NOT NULL, 
	value TEXT NOT NULL, 
	description TEXT, 
	last_updated DATETIME, 
	environment VARCHAR(20), 
	PRIMARY KEY (id), 
	UNIQUE ("key")
);
CREATE TABLE events (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	start_time DATETIME NOT NULL, 
	end_time DATETIME NOT NULL, 
	expected_traffic INTEGER, 
	required_controllers INTEGER, 
	status VARCHAR(20), 
	notes TEXT, 
	PRIMARY KEY (id)
);
CREATE TABLE sectors (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	facility VARCHAR(50) NOT NULL, 
	controller_id INTEGER, 
	traffic_density INTEGER, 
	status VARCHAR(20), 
	priority_level INTEGER, 
	boundaries TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(controller_id) REFERENCES controllers (id)
);
CREATE TABLE flights (
	id INTEGER NOT NULL, 
	callsign VARCHAR(20) NOT NULL, 
	aircraft_type VARCHAR(10), 
	departure VARCHAR(10), 
	arrival VARCHAR(10), 
	route TEXT, 
	altitude INTEGER, 
	speed INTEGER, 
	position TEXT, 
	controller_id INTEGER, 
	sector_id INTEGER, 
	last_updated DATETIME, pilot_name VARCHAR(100), position_lat INTEGER, position_lng INTEGER, altitude_small SMALLINT, speed_small SMALLINT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(controller_id) REFERENCES controllers (id), 
	FOREIGN KEY(sector_id) REFERENCES sectors (id)
);
CREATE TABLE traffic_movements (
	id INTEGER NOT NULL, 
	callsign VARCHAR(20) NOT NULL, 
	airport_icao VARCHAR(10) NOT NULL, 
	movement_type VARCHAR(10) NOT NULL, 
	aircraft_type VARCHAR(10), 
	pilot_name VARCHAR(100), 
	timestamp DATETIME NOT NULL, 
	confidence_score FLOAT, 
	detection_method VARCHAR(50), 
	flight_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(flight_id) REFERENCES flights (id)
);
CREATE TABLE airport_config (
	id INTEGER NOT NULL, 
	icao_code VARCHAR(10) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	latitude FLOAT NOT NULL, 
	longitude FLOAT NOT NULL, 
	detection_radius_nm FLOAT, 
	departure_altitude_threshold INTEGER, 
	arrival_altitude_threshold INTEGER, 
	departure_speed_threshold INTEGER, 
	arrival_speed_threshold INTEGER, 
	is_active BOOLEAN, 
	region VARCHAR(50), 
	last_updated DATETIME, 
	PRIMARY KEY (id)
);
CREATE TABLE movement_detection_config (
	id INTEGER NOT NULL, 
	config_key VARCHAR(100) NOT NULL, 
	config_value TEXT NOT NULL, 
	description TEXT, 
	is_active BOOLEAN, 
	last_updated DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (config_key)
);
CREATE TABLE flight_summaries (
	id INTEGER NOT NULL, 
	callsign VARCHAR(20) NOT NULL, 
	aircraft_type VARCHAR(10), 
	departure VARCHAR(10), 
	arrival VARCHAR(10), 
	route TEXT, 
	max_altitude SMALLINT, 
	duration_minutes SMALLINT, 
	controller_id INTEGER, 
	sector_id INTEGER, 
	completed_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(controller_id) REFERENCES controllers (id), 
	FOREIGN KEY(sector_id) REFERENCES sectors (id)
);
CREATE TABLE movement_summaries (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	airport_icao VARCHAR(10) NOT NULL, 
	movement_type VARCHAR(10) NOT NULL, 
	aircraft_type VARCHAR(10), 
	date DATETIME NOT NULL, 
	hour SMALLINT NOT NULL, 
	count SMALLINT
);
CREATE UNIQUE INDEX ix_controllers_callsign ON controllers (callsign);
CREATE INDEX ix_controllers_id ON controllers (id);
CREATE INDEX ix_system_config_id ON system_config (id);
CREATE INDEX ix_events_id ON events (id);
CREATE INDEX ix_sectors_id ON sectors (id);
CREATE INDEX ix_flights_id ON flights (id);
CREATE INDEX ix_flights_callsign ON flights (callsign);
CREATE INDEX ix_traffic_movements_airport_icao ON traffic_movements (airport_icao);
CREATE INDEX ix_traffic_movements_id ON traffic_movements (id);
CREATE INDEX ix_traffic_movements_callsign ON traffic_movements (callsign);
CREATE UNIQUE INDEX ix_airport_config_icao_code ON airport_config (icao_code);
CREATE INDEX ix_airport_config_id ON airport_config (id);
CREATE INDEX ix_movement_detection_config_id ON movement_detection_config (id);
CREATE INDEX ix_flight_summaries_callsign ON flight_summaries (callsign);
CREATE INDEX ix_flight_summaries_id ON flight_summaries (id);
CREATE INDEX ix_movement_summaries_id ON movement_summaries (id);
CREATE INDEX ix_movement_summaries_airport_icao ON movement_summaries (airport_icao);
CREATE INDEX ix_movement_summaries_date ON movement_summaries (date);
CREATE INDEX idx_flight_summaries_callsign 
                ON flight_summaries(callsign);
CREATE INDEX idx_flight_summaries_completed 
                ON flight_summaries(completed_at);
CREATE INDEX idx_movement_summaries_airport 
                ON movement_summaries(airport_icao, date);
CREATE INDEX idx_movement_summaries_type 
                ON movement_summaries(movement_type, date);
CREATE INDEX idx_flights_position_compressed 
                ON flights(position_lat, position_lng);
CREATE INDEX idx_flights_altitude_small 
                ON flights(altitude_small);
CREATE INDEX idx_flights_speed_small 
                ON flights(speed_small);
`;

/** The ten tables of {@link VATSIM_SCHEMA_SQL}, in creation order. */
export const VATSIM_TABLES = [
  'controllers',
  'system_config',
  'events',
  'sectors',
  'flights',
  'traffic_movements',
  'airport_config',
  'movement_detection_config',
  'flight_summaries',
  'movement_summaries',
] as const;

/** One of the ten collector tables. */
export type VatsimTable = (typeof VATSIM_TABLES)[number];

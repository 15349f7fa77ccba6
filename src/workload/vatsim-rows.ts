import { AIRPORTS } from './vatsim-airports.js';
import {
  type BuildContext,
  controllerRef,
  MICROS_PER_MINUTE,
  nextId,
  type TableRows,
  timeOf,
} from './vatsim-context.js';
import { atcCallsign, boundaries, datetime, flightCallsign, frequency } from './vatsim-values.js';

/** Rows of `controllers`: unique callsigns, ids with gaps, FLOAT scores. */
export function controllerRows(ctx: BuildContext, count: number): TableRows {
  const { rng } = ctx;
  const taken = new Set<string>();
  let id = 136;
  return {
    table: 'controllers',
    columns: [
      'id',
      'callsign',
      'facility',
      'position',
      'status',
      'frequency',
      'last_seen',
      'workload_score',
      'preferences',
    ],
    row: (i) => {
      let [callsign, facility] = atcCallsign(rng);
      if (rng.chance(0.1)) [callsign, facility] = [flightCallsign(rng), '0'];
      while (taken.has(callsign)) callsign = `${callsign}${rng.int(0, 9)}`;
      taken.add(callsign);
      id = nextId(rng, id, 0.5);
      ctx.controllerIds.push(id);
      return [
        id,
        callsign,
        facility,
        rng.chance(0.9) ? '' : null,
        rng.chance(0.85) ? 'offline' : 'online',
        frequency(rng),
        datetime(timeOf(ctx, i, count)),
        rng.chance(0.6) ? 0 : rng.range(0, 100),
        rng.chance(0.95) ? null : '{"notify": true, "units": "ft"}',
      ];
    },
  };
}

const SYSTEM_CONFIG: readonly (readonly [string, string, string | null])[] = [
  ['collector.interval_seconds', '15', 'How often the VATSIM feed is polled'],
  ['collector.feed_url', 'https://data.vatsim.net/v3/vatsim-data.json', 'Data feed'],
  ['retention.flights_days', '30', 'Days of flight positions kept'],
  ['retention.movements_days', '365', 'Days of movements kept'],
  ['summaries.enabled', 'true', 'Build flight and movement summaries'],
  ['summaries.hour', '3', 'Hour (UTC) when summaries are built'],
  ['filter.regions', '["Australia", "Europe"]', null],
  ['api.page_size', '500', 'Rows per API page'],
];

/** Rows of `system_config`: a few unique keys. */
export function systemConfigRows(ctx: BuildContext): TableRows {
  return {
    table: 'system_config',
    columns: ['id', 'key', 'value', 'description', 'last_updated', 'environment'],
    row: (i) => {
      const [key, value, description] = SYSTEM_CONFIG[i % SYSTEM_CONFIG.length]!;
      const suffix = i < SYSTEM_CONFIG.length ? '' : `.${Math.floor(i / SYSTEM_CONFIG.length)}`;
      return [i + 1, key + suffix, value, description, datetime(ctx.startMicros + i * 311), 'production'];
    },
  };
}

/** Rows of `events`: network events with start and end. */
export function eventRows(ctx: BuildContext, count: number): TableRows {
  const { rng } = ctx;
  return {
    table: 'events',
    columns: [
      'id',
      'name',
      'start_time',
      'end_time',
      'expected_traffic',
      'required_controllers',
      'status',
      'notes',
    ],
    row: (i) => {
      const start = timeOf(ctx, i, count);
      const airport = rng.pick(AIRPORTS);
      return [
        i + 1,
        `${rng.pick(['Friday Night Ops', 'Cross the Pond', 'Overload', 'Fly-in', 'Real Ops'])} ${airport.icao}`,
        datetime(start),
        datetime(start + rng.int(2, 6) * 60 * MICROS_PER_MINUTE),
        rng.int(20, 1500),
        rng.int(2, 25),
        rng.pick(['scheduled', 'active', 'completed']),
        rng.chance(0.5) ? null : `Expect holding at ${airport.name}; book your slot.`,
      ];
    },
  };
}

/** Rows of `sectors`: `2_CTR`… with a few boundary polygons. */
export function sectorRows(ctx: BuildContext): TableRows {
  const { rng } = ctx;
  return {
    table: 'sectors',
    columns: [
      'id',
      'name',
      'facility',
      'controller_id',
      'traffic_density',
      'status',
      'priority_level',
      'boundaries',
    ],
    row: (i) => {
      ctx.sectorIds.push(i + 1);
      const staffed = rng.chance(0.3);
      return [
        i + 1,
        `${i + 2}_CTR`,
        String((i % 5) + 2),
        staffed ? controllerRef(ctx, 1) : null,
        rng.int(0, 40),
        staffed ? 'manned' : 'unmanned',
        rng.int(1, 3),
        rng.chance(0.5) ? null : boundaries(rng, rng.pick(AIRPORTS)),
      ];
    },
  };
}

/** Rows of `airport_config`: one per watched airport (unique ICAO code). */
export function airportConfigRows(ctx: BuildContext): TableRows {
  return {
    table: 'airport_config',
    columns: [
      'id',
      'icao_code',
      'name',
      'latitude',
      'longitude',
      'detection_radius_nm',
      'departure_altitude_threshold',
      'arrival_altitude_threshold',
      'departure_speed_threshold',
      'arrival_speed_threshold',
      'is_active',
      'region',
      'last_updated',
    ],
    row: (i) => {
      const a = ctx.watched[i]!;
      const big = i < 4;
      return [
        i + 1,
        a.icao,
        a.name,
        a.lat,
        a.lon,
        big ? 12 : 8,
        big ? 1400 : 1000,
        big ? 3200 : 2500,
        big ? 55 : 45,
        big ? 170 : 140,
        i % 11 === 10 ? 0 : 1,
        a.region,
        datetime(ctx.startMicros + 412_660 + i * 311),
      ];
    },
  };
}

const DETECTION_CONFIG: readonly (readonly [string, string, string])[] = [
  ['default_detection_radius_nm', '10.0', 'Default detection radius in nautical miles'],
  ['default_departure_altitude_threshold', '1000', 'Default departure altitude threshold in feet'],
  ['default_arrival_altitude_threshold', '3000', 'Default arrival altitude threshold in feet'],
  ['default_departure_speed_threshold', '50', 'Default departure speed threshold in knots'],
  ['default_arrival_speed_threshold', '150', 'Default arrival speed threshold in knots'],
  ['confidence_threshold', '0.7', 'Minimum confidence score for movement detection'],
  ['position_update_interval_seconds', '30', 'Position update interval in seconds'],
];

/** Rows of `movement_detection_config`: the collector's seven settings (then numbered copies). */
export function detectionConfigRows(ctx: BuildContext): TableRows {
  return {
    table: 'movement_detection_config',
    columns: ['id', 'config_key', 'config_value', 'description', 'is_active', 'last_updated'],
    row: (i) => {
      const [key, value, description] = DETECTION_CONFIG[i % DETECTION_CONFIG.length]!;
      const suffix = i < DETECTION_CONFIG.length ? '' : `_${Math.floor(i / DETECTION_CONFIG.length)}`;
      return [i + 1, key + suffix, value, description, 1, datetime(ctx.startMicros + 416_185 + i * 300)];
    },
  };
}

import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Prng } from './prng.js';
import { AIRPORTS } from './vatsim-airports.js';
import type { BuildContext, TableRows } from './vatsim-context.js';
import {
  airportConfigRows,
  controllerRows,
  detectionConfigRows,
  eventRows,
  sectorRows,
  systemConfigRows,
} from './vatsim-rows.js';
import { VATSIM_SCHEMA_SQL, type VatsimTable } from './vatsim-schema.js';
import {
  flightRows,
  flightSummaryRows,
  movementSummaryRows,
  trafficMovementRows,
} from './vatsim-traffic-rows.js';

export { VATSIM_SCHEMA_SQL, VATSIM_TABLES, type VatsimTable } from './vatsim-schema.js';

/** How to build a collector-shaped database. */
export interface VatsimBuildOptions {
  /** Total rows over all ten tables (exact). */
  readonly rows: number;
  /** PRNG seed (default 1): the same seed and rows give the same file, byte for byte. */
  readonly seed?: number;
  /** Journal mode the finished file is left in (default 'wal', as the collector runs). */
  readonly journalMode?: 'wal' | 'delete';
  /** Called every {@link PROGRESS_EVERY} rows and at the end of each table. */
  readonly onProgress?: (progress: VatsimProgress) => void;
}

/** Progress of a build. */
export interface VatsimProgress {
  readonly table: VatsimTable;
  readonly tableRows: number;
  readonly tableTotal: number;
  readonly rowsDone: number;
  readonly rowsTotal: number;
}

/** What was built. */
export interface VatsimBuildResult {
  readonly path: string;
  readonly seed: number;
  readonly rows: number;
  readonly counts: Readonly<Record<VatsimTable, number>>;
}

/** Rows between two progress calls. */
export const PROGRESS_EVERY = 50_000;

/** Roughly what a row of each table holds, for reports (payload bytes per row measured with SQLite's dbstat on 100k rows; indexes roughly double the file). */
export const VATSIM_ROW_SHAPES: Readonly<
  Record<VatsimTable, { readonly share: string; readonly row: string }>
> = {
  flights: {
    share: '~70%',
    row: '17 cols, ~230 B: callsign, ICAO codes, route text, position JSON, DATETIME, SMALLINT',
  },
  traffic_movements: {
    share: '~20%',
    row: '10 cols, ~90 B: callsign, ICAO, DATETIME, 17-digit FLOAT, dangling FKs',
  },
  flight_summaries: { share: '~6%', row: '11 cols, ~140 B: route text, SMALLINT max_altitude > 32767' },
  movement_summaries: { share: '~3.5%', row: '7 cols, ~50 B: AUTOINCREMENT id, hourly counts' },
  controllers: { share: '≤3000', row: '9 cols, ~65 B: unique callsign, frequency text, FLOAT score' },
  sectors: { share: '≤200', row: '8 cols, ~100 B: boundary JSON or NULL' },
  events: { share: '≤500', row: '8 cols, ~90 B' },
  airport_config: { share: `≤${AIRPORTS.length}`, row: '13 cols, ~90 B: FLOAT coordinates, BOOLEAN' },
  system_config: { share: '8', row: '6 cols, ~100 B' },
  movement_detection_config: { share: '7', row: '6 cols, ~100 B' },
};

/** How many rows each table gets for a total of `rows` (the counts add up to `rows` exactly). */
export function planVatsimRows(rows: number): Readonly<Record<VatsimTable, number>> {
  if (!Number.isInteger(rows) || rows < 0)
    throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  let left = rows;
  const take = (wanted: number): number => {
    const n = Math.max(0, Math.min(left, Math.floor(wanted)));
    left -= n;
    return n;
  };
  const movement_detection_config = take(7);
  const system_config = take(8);
  const airport_config = take(Math.min(AIRPORTS.length, 9 + rows / 100_000));
  const sectors = take(Math.min(200, 5 + rows / 20_000));
  const events = take(Math.min(500, 2 + rows / 10_000));
  const controllers = take(Math.min(3000, Math.max(10, rows * 0.02)));
  const rest = left;
  const traffic_movements = take(rest * 0.2);
  const flight_summaries = take(rest * 0.06);
  const movement_summaries = take(rest * 0.035);
  const flights = take(left);
  return {
    controllers,
    system_config,
    events,
    sectors,
    flights,
    traffic_movements,
    airport_config,
    movement_detection_config,
    flight_summaries,
    movement_summaries,
  };
}

/** 2025-07-23 17:39:56.570862 UTC, when the real collector's file starts. */
const START_MICROS = Date.UTC(2025, 6, 23, 17, 39, 56) * 1000 + 570_862;
const HOUR_MICROS = 3_600_000_000;

/**
 * Builds a VATSIM-collector-shaped SQLite file at `path` (an existing file there and its
 * -wal/-shm/-journal are replaced) with the collector's exact schema and `rows` rows in total.
 * Deterministic for a seed; one transaction, prepared statements.
 */
export function buildVatsimDatabase(path: string, options: VatsimBuildOptions): VatsimBuildResult {
  const seed = options.seed ?? 1;
  const counts = planVatsimRows(options.rows);
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });

  const ctx: BuildContext = {
    rng: new Prng(seed),
    startMicros: START_MICROS,
    spanMicros: Math.min(60 * 24 * HOUR_MICROS, Math.max(2 * HOUR_MICROS, options.rows * 1_300_000)),
    watched: AIRPORTS.slice(0, Math.max(1, counts.airport_config)),
    controllerIds: [],
    sectorIds: [],
    flightIds: [],
  };
  // Order matters: later tables refer to ids the earlier ones handed out.
  const plan: readonly (readonly [TableRows, number])[] = [
    [controllerRows(ctx, counts.controllers), counts.controllers],
    [sectorRows(ctx), counts.sectors],
    [systemConfigRows(ctx), counts.system_config],
    [eventRows(ctx, counts.events), counts.events],
    [airportConfigRows(ctx), counts.airport_config],
    [detectionConfigRows(ctx), counts.movement_detection_config],
    [flightRows(ctx, counts.flights), counts.flights],
    [trafficMovementRows(ctx, counts.traffic_movements), counts.traffic_movements],
    [flightSummaryRows(ctx, counts.flight_summaries), counts.flight_summaries],
    [movementSummaryRows(ctx), counts.movement_summaries],
  ];

  const db = new Database(path);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = OFF'); // better-sqlite3 turns them on; the collector never did
    db.pragma('cache_size = -262144');
    db.exec(VATSIM_SCHEMA_SQL);
    let rowsDone = 0;
    db.transaction(() => {
      for (const [spec, total] of plan) {
        const columns = spec.columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(', ');
        const insert = db.prepare(
          `INSERT INTO "${spec.table}" (${columns}) VALUES (${spec.columns.map(() => '?').join(', ')})`,
        );
        for (let i = 0; i < total; i++) {
          insert.run(spec.row(i));
          rowsDone++;
          if ((i + 1) % PROGRESS_EVERY === 0 || i + 1 === total) {
            options.onProgress?.({
              table: spec.table,
              tableRows: i + 1,
              tableTotal: total,
              rowsDone,
              rowsTotal: options.rows,
            });
          }
        }
      }
    })();
    db.pragma(`journal_mode = ${options.journalMode === 'delete' ? 'DELETE' : 'WAL'}`);
  } finally {
    db.close();
  }
  return { path, seed, rows: options.rows, counts };
}

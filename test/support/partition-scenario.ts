import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Subject } from 'rxjs';
import { expect } from 'vitest';
import { main } from '../../src/cli/main.js';
import { type ConfigFlags, loadConfig } from '../../src/config/load.js';
import { runCutover } from '../../src/cutover/run-cutover.js';
import { silentLogger } from '../../src/log/logger.js';
import { BridgeMetrics } from '../../src/log/metrics.js';
import type { PartitionTableReport } from '../../src/pipeline/partitions.js';
import { runSync } from '../../src/pipeline/run-sync.js';
import { readStatus, statusSample } from '../../src/pipeline/status.js';
import { verify } from './bridge.js';
import { dropIdleSlots, untilSnapshotted } from './cutover.js';
import { tempSqlite } from './sqlite.js';
import { until } from './until.js';

/** What the scenario needs of a database. */
export interface ScenarioDatabase {
  url(): string;
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** `YYYY-MM-DD 12:00:00` of today (UTC) plus `n` days. */
export function dayAt(n: number): string {
  return `${new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10)} 12:00:00`;
}

/** `flights_pYYYYMMDD` of today plus `n` days. */
export function partitionOf(n: number): string {
  return `flights_p${dayAt(n).slice(0, 10).replaceAll('-', '')}`;
}

/** Runs the CLI in this process; returns its exit code and its stdout. */
export async function cli(args: readonly string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(args, {
    out: (t) => {
      out += t;
    },
    err: () => undefined,
  });
  return { code, out };
}

/** `litebridge partitions --json` (with `extra` flags): exit code and the flights report. */
export async function partitionsJson(
  args: readonly string[],
  extra: readonly string[] = [],
): Promise<{ code: number; flights: PartitionTableReport }> {
  const { code, out } = await cli(['partitions', ...args, '--json', ...extra]);
  const report = JSON.parse(out) as { tables: PartitionTableReport[] };
  return { code, flights: report.tables.find((t) => t.table.endsWith('.flights'))! };
}

/** Which partition holds each flight id. */
export async function placement(db: ScenarioDatabase, schema: string): Promise<Record<number, string>> {
  const rows = await db.query<{ id: number; part: string }>(
    `SELECT id::int AS id, tableoid::regclass::text AS part FROM "${schema}".flights ORDER BY id`,
  );
  return Object.fromEntries(rows.rows.map((r) => [r.id, r.part.replace(/^.*\./, '')]));
}

/**
 * The whole partition story on one database: sync's snapshot makes partitions up to the horizon;
 * rows synced for today and the future land in real partitions (an outlier in DEFAULT);
 * partitions lost with their rows put in DEFAULT are restored by `partitions --maintain`; after
 * cutover the application's writes for today and the next premake days land in real partitions,
 * and moving a DEFAULT row that a SQLite row references with ON DELETE CASCADE cascades nothing.
 * drift-report exits 0 at each stage; `partitions --json` reports each state.
 */
export async function partitionScenario(db: ScenarioDatabase, schema: string): Promise<void> {
  const file = tempSqlite(`${schema}.db`);
  const app = new Database(file);
  app.pragma('journal_mode = WAL');
  app.exec(`CREATE TABLE flights (id INTEGER PRIMARY KEY, callsign TEXT NOT NULL, at DATETIME NOT NULL);
    CREATE TABLE legs (id INTEGER PRIMARY KEY, flight_id INTEGER NOT NULL REFERENCES flights (id) ON DELETE CASCADE, note TEXT);`);
  const insert = app.prepare('INSERT INTO flights (id, callsign, at) VALUES (?, ?, ?)');
  insert.run(1, 'OLD1', dayAt(-3));
  insert.run(2, 'NOW1', dayAt(0));
  const configFile = tempSqlite(`${schema}.json`);
  writeFileSync(
    configFile,
    JSON.stringify({ partitions: { flights: { column: 'at', interval: 'day', premake: 2 } } }),
  );
  const flags: ConfigFlags = { sqlite: file, pg: db.url(), config: configFile, schema };
  const config = loadConfig(flags, {});
  const args = ['--sqlite', file, '--pg', db.url(), '--config', configFile, '--schema', schema];
  const equal = async () => (await verify(file, db.url(), { config: configFile, schema })).equal;
  const shutdown$ = new Subject<void>();
  // The keeper's timer is slow here: partitions for new rows come from the batch path alone.
  const sync = runSync(config, silentLogger, { shutdown$, pollMs: 50, partitionEveryMs: 3_600_000 });
  let failed: unknown = null;
  sync.catch((e: unknown) => {
    failed = e;
  });
  const synced = async () => {
    if (failed !== null) throw failed;
    return equal();
  };
  try {
    await untilSnapshotted(db.url(), config.sourceId);
    const names = async () =>
      (
        await db.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = '"${schema}".flights'::regclass`,
        )
      ).rows.map((r) => r.name);
    // The snapshot partitions up to the horizon: today plus premake (2) days.
    expect(await names()).toEqual(expect.arrayContaining([partitionOf(-3), partitionOf(0), partitionOf(2)]));
    expect(await names()).not.toContain(partitionOf(3));

    // Forward: today, the next days, a day past the horizon, and an outlier.
    insert.run(3, 'NOW2', dayAt(0));
    insert.run(4, 'NEXT1', dayAt(1));
    insert.run(5, 'NEXT2', dayAt(2));
    insert.run(6, 'LATER', dayAt(9));
    insert.run(7, 'TYPO', '9999-01-01 00:00:00');
    await until(synced, 60_000);
    expect(await placement(db, schema)).toEqual({
      1: partitionOf(-3),
      2: partitionOf(0),
      3: partitionOf(0),
      4: partitionOf(1),
      5: partitionOf(2),
      6: partitionOf(9),
      7: 'flights_default',
    });
    let report = await partitionsJson(args);
    expect(report.code).toBe(0);
    expect(report.flights).toMatchObject({
      firstPartition: partitionOf(-3),
      lastPartition: partitionOf(9),
      defaultRows: 1,
      defaultRowsInRange: 0,
      problems: [],
    });
    const text = await cli(['partitions', ...args]);
    expect(text.out).toMatch(new RegExp(`${schema}\\.flights +day +${partitionOf(-3)} +${partitionOf(9)} `));
    expect(text.out).toMatch(/all invariants hold/);
    expect((await cli(['drift-report', ...args])).code).toBe(0);

    // Rows already in DEFAULT: two days' partitions lost, their rows routed to DEFAULT (as
    // when nobody created partitions ahead), a hole in the range.
    await db.query(`BEGIN;
      ALTER TABLE "${schema}".flights DETACH PARTITION "${schema}"."${partitionOf(1)}";
      ALTER TABLE "${schema}".flights DETACH PARTITION "${schema}"."${partitionOf(2)}";
      INSERT INTO "${schema}".flights SELECT * FROM "${schema}"."${partitionOf(1)}" UNION ALL SELECT * FROM "${schema}"."${partitionOf(2)}";
      DROP TABLE "${schema}"."${partitionOf(1)}", "${schema}"."${partitionOf(2)}";
      COMMIT`);
    report = await partitionsJson(args);
    expect(report.code).toBe(1);
    expect(report.flights).toMatchObject({ defaultRows: 3, defaultRowsInRange: 2 });
    expect(report.flights.problems.join('\n')).toMatch(/not contiguous/);
    // status and the metrics show it, with a warning.
    const status = await readStatus(config);
    expect(status.partitions).toEqual([
      expect.objectContaining({ table: `${schema}.flights`, defaultRows: 3, defaultRowsInRange: 2 }),
    ]);
    expect(status.partitions[0]!.warning).toMatch(/2 row\(s\) inside the partitioned range reached DEFAULT/);
    const metrics = new BridgeMetrics();
    metrics.readStatusWith(async () => statusSample(await readStatus(config)));
    await metrics.refresh();
    const scraped = await metrics.registry.metrics();
    expect(scraped).toContain(
      `litebridge_partition_default_rows{table="${schema}.flights",in_range="true"} 2`,
    );
    expect(scraped).toMatch(
      new RegExp(`litebridge_partition_horizon_intervals\\{table="${schema}.flights"\\} \\d`),
    );
    expect((await cli(['drift-report', ...args])).code).toBe(0);

    report = await partitionsJson(args, ['--maintain']);
    expect(report.code).toBe(0);
    expect(report.flights).toMatchObject({ defaultRows: 1, defaultRowsInRange: 0, problems: [] });
    expect(report.flights.lastMaintenance).toMatchObject({ created: 2, moved: 2, error: null });
    expect((await readStatus(config)).partitions[0]!.warning).toBeNull();
    expect(await placement(db, schema)).toMatchObject({
      4: partitionOf(1),
      5: partitionOf(2),
      7: 'flights_default',
    });
    expect((await db.query(`SELECT count(*)::int AS n FROM "${schema}".flights`)).rows[0]!.n).toBe(7);
    // A made partition has the indexes of one the snapshot made, each attached to the parent's.
    const indexes = async (part: string) =>
      (
        await db.query<{ def: string }>(
          `SELECT regexp_replace(pg_get_indexdef(i.indexrelid), '${part}', 'P', 'g') AS def
             FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indexrelid
            WHERE i.indrelid = '"${schema}"."${part}"'::regclass ORDER BY 1`,
        )
      ).rows.map((r) => r.def.replace(/ [a-z0-9_]+ ON /, ' ON '));
    expect(await indexes(partitionOf(1))).toEqual(await indexes(partitionOf(0)));
    expect((await indexes(partitionOf(1))).length).toBeGreaterThan(0);
    const all = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_index WHERE indrelid = '"${schema}"."${partitionOf(1)}"'::regclass`,
    );
    expect(all.rows[0]!.n).toBe((await indexes(partitionOf(1))).length);
    expect((await cli(['drift-report', ...args])).code).toBe(0);

    // After cutover the application writes PostgreSQL: today and the next premake days land
    // in real partitions while reverse replication runs.
    expect((await runCutover(config, silentLogger)).status).toBe('switched');
    for (const n of [0, 1, 2]) {
      await db.query(`INSERT INTO "${schema}".flights (id, callsign, at) VALUES ($1, $2, $3)`, [
        100 + n,
        `PG${n}`,
        dayAt(n),
      ]);
    }
    // Without an id: the column's sequence (no identity on partitioned tables below PostgreSQL 17).
    await db.query(`INSERT INTO "${schema}".flights (callsign, at) VALUES ('PGSEQ', $1)`, [dayAt(1)]);
    // A row past the horizon reaches DEFAULT (nothing ran maintenance yet), and a SQLite row
    // references it with ON DELETE CASCADE.
    await db.query(`INSERT INTO "${schema}".flights (id, callsign, at) VALUES (200, 'AHEAD', $1)`, [
      dayAt(12),
    ]);
    await db.query(`INSERT INTO "${schema}".legs (id, flight_id, note) VALUES (1, 200, 'keep me')`);
    await until(synced, 60_000);
    expect(app.prepare('SELECT note FROM legs WHERE flight_id = 200').pluck().get()).toBe('keep me');
    expect(await placement(db, schema)).toMatchObject({
      100: partitionOf(0),
      101: partitionOf(1),
      102: partitionOf(2),
      8: partitionOf(1),
      200: 'flights_default',
    });
    expect((await cli(['drift-report', ...args])).code).toBe(0);

    report = await partitionsJson(args, ['--maintain']);
    expect(report.code).toBe(0);
    expect(report.flights.lastMaintenance).toMatchObject({ moved: 1, error: null });
    expect((await placement(db, schema))[200]).toBe(partitionOf(12));
    // A later application write reaches SQLite: reverse replication went past the move.
    await db.query(`UPDATE "${schema}".flights SET callsign = 'MOVED' WHERE id = 200`);
    await until(
      async () => app.prepare('SELECT callsign FROM flights WHERE id = 200').pluck().get() === 'MOVED',
    );
    expect(app.prepare('SELECT note FROM legs WHERE flight_id = 200').pluck().get()).toBe('keep me');
    expect(app.prepare('SELECT count(*) FROM flights').pluck().get()).toBe(12);
    await until(synced, 60_000);
    expect((await cli(['drift-report', ...args])).code).toBe(0);
  } finally {
    app.close();
    shutdown$.next();
    await sync.catch(() => undefined);
    await dropIdleSlots((sql) => db.query(sql));
  }
}

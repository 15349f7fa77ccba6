/**
 * Capture bench: what the capture triggers cost the application. A separate process (as the
 * application is) writes to a collector-shaped `flights` table with and without litebridge's
 * triggers: single-row autocommit INSERTs, UPDATEs and DELETEs, and 100-row transactions, in
 * WAL mode with `synchronous=NORMAL` (the setting a collector writing every few seconds most
 * likely uses; with FULL every commit waits for fsync and the triggers' share shrinks).
 * With `--floor` it also measures the cheapest triggers there can be, to show what part of the cost
 * any trigger-based capture pays: a trigger whose WHEN is false (SQLite still prepares the row for
 * it), and the cheapest trigger that records anything, `INSERT INTO t VALUES (new.rowid)` into a
 * one-column table (`old.rowid` on DELETE). Every round runs each configuration once, one after
 * the other, so a busy machine slows them alike; each ratio is taken within its round (against
 * that round's run without capture), and the table gives the median ratio and its spread (lowest
 * and highest round). `--clock cpu` times the writer's CPU (user + system) instead of the wall
 * clock: steadier on a shared machine, blind to waiting for the disk.
 * Run: `npm run build && node dist/bench/capture.js [--rows N] [--floor]`. Prints a Markdown table.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { introspect } from '../src/schema/introspect.js';
import { installCapture } from '../src/sqlite/capture.js';
import { VATSIM_SCHEMA_SQL } from '../src/workload/vatsim-schema.js';
import { benchArgs } from './lib/args.js';
import { int, log } from './lib/harness.js';

const USAGE = `usage: node dist/bench/capture.js [--rows N] [--repeat N] [--floor] [--clock wall|cpu] [--workloads a,b]
  --rows       rows written per workload and configuration (default 20000)
  --repeat     interleaved rounds, the median is reported with its spread (default 3)
  --floor      also measure the cheapest possible triggers (a never-firing one, a one-rowid append)
  --clock      wall (default): the writer's elapsed time; cpu: its user + system CPU time
  --workloads  comma-separated subset of ${'insert,update,delete,tx100,txupdate100,txdelete100'}`;

type Workload = 'insert' | 'update' | 'delete' | 'tx100' | 'txupdate100' | 'txdelete100';
const WORKLOADS: readonly { readonly name: Workload; readonly label: string }[] = [
  { name: 'insert', label: 'INSERT, one row per autocommit' },
  { name: 'update', label: 'UPDATE, one row per autocommit' },
  { name: 'delete', label: 'DELETE, one row per autocommit' },
  { name: 'tx100', label: 'INSERT, 100 rows per transaction' },
  { name: 'txupdate100', label: 'UPDATE, 100 rows per transaction' },
  { name: 'txdelete100', label: 'DELETE, 100 rows per transaction' },
];

/** The application: opens the file as the collector would and writes `rows` rows one way. */
const WRITER = `
const Database = require(process.argv[1]);
const [file, mode, rowsText, firstText, clock] = process.argv.slice(2);
const rows = Number(rowsText), first = Number(firstText);
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
const route = 'KORD DCT PMPKN Q29 DORET J85 LOUIZ LEVVY2 KATL '.repeat(4);
const row = (id) => [id, 'DAL' + id, 'B738', 'KORD', 'KATL', route, 35000 + (id % 100), 450,
  JSON.stringify({ lat: 41.97 + id / 1e6, lng: -87.9 - id / 1e6, hdg: id % 360 }),
  '2025-07-24 12:34:56.123456', 'Pilot ' + id, 41970000 + id, -87900000 - id, 3500, 450];
const ins = db.prepare('INSERT INTO flights (id, callsign, aircraft_type, departure, arrival, route, altitude, speed, position, last_updated, pilot_name, position_lat, position_lng, altitude_small, speed_small) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
const upd = db.prepare('UPDATE flights SET altitude = ?, position = ?, last_updated = ? WHERE id = ?');
const del = db.prepare('DELETE FROM flights WHERE id = ?');
const tx = db.transaction((from) => { for (let i = 0; i < 100; i++) ins.run(...row(from + i)); });
const txUpd = db.transaction((from) => { for (let i = 0; i < 100; i++) upd.run(30000 + i, '{"lat":1,"lng":2}', '2025-07-24 13:00:00', from + i); });
const txDel = db.transaction((from) => { for (let i = 0; i < 100; i++) del.run(from + i); });
const start = process.hrtime.bigint();
const cpu = process.cpuUsage();
if (mode === 'insert') for (let i = 0; i < rows; i++) ins.run(...row(first + i));
if (mode === 'update') for (let i = 0; i < rows; i++) upd.run(30000 + i, '{"lat":1,"lng":2}', '2025-07-24 13:00:00', first + i);
if (mode === 'delete') for (let i = 0; i < rows; i++) del.run(first + i);
if (mode === 'tx100') for (let i = 0; i < rows; i += 100) tx(first + i);
if (mode === 'txupdate100') for (let i = 0; i < rows; i += 100) txUpd(first + i);
if (mode === 'txdelete100') for (let i = 0; i < rows; i += 100) txDel(first + i);
const used = process.cpuUsage(cpu);
const ms = clock === 'cpu' ? (used.user + used.system) / 1000 : Number(process.hrtime.bigint() - start) / 1e6;
db.close();
process.stdout.write(JSON.stringify({ ms }));
`;

const SQLITE_MODULE = createRequire(import.meta.url).resolve('better-sqlite3');

/** What the writer times: its elapsed time, or its CPU time. */
type Clock = 'wall' | 'cpu';

/** Runs the writer process once; returns rows/s. */
function write(file: string, mode: Workload, rows: number, first: number, clock: Clock): number {
  const run = spawnSync(
    process.execPath,
    ['-e', WRITER, SQLITE_MODULE, file, mode, String(rows), String(first), clock],
    {
      encoding: 'utf8',
    },
  );
  if (run.status !== 0) throw new Error(`writer failed: ${run.stderr}`);
  const { ms } = JSON.parse(run.stdout) as { ms: number };
  return (rows / ms) * 1000;
}

/**
 * What the file carries: nothing, litebridge's capture, or one of the two floor triggers on
 * `flights` (the table the writer writes).
 */
type Capture = 'off' | 'litebridge' | 'never-fires' | 'one-rowid';

/** The floor triggers, one per operation: `WHEN 0`, or append the row's rowid to a one-column table. */
function floorSql(capture: 'never-fires' | 'one-rowid'): string {
  const body = (row: 'new' | 'old') =>
    capture === 'never-fires'
      ? 'WHEN 0 BEGIN SELECT 1; END'
      : `BEGIN INSERT INTO _floor_log VALUES (${row}.rowid); END`;
  return [
    'CREATE TABLE _floor_log (x)',
    ...(['INSERT', 'UPDATE', 'DELETE'] as const).map(
      (op) =>
        `CREATE TRIGGER _floor_${op.toLowerCase()} AFTER ${op} ON flights FOR EACH ROW ${body(op === 'DELETE' ? 'old' : 'new')}`,
    ),
  ].join(';\n');
}

/** A fresh collector-shaped file with `capture` installed. */
function freshFile(dir: string, name: string, capture: Capture): string {
  const file = join(dir, `${name}.db`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(VATSIM_SCHEMA_SQL);
  if (capture === 'litebridge') installCapture(db, introspect(db), { sourceId: 'bench' });
  else if (capture !== 'off') db.exec(floorSql(capture));
  db.close();
  return file;
}

/** rows/s of one workload on a fresh file (update and delete work on rows inserted first). */
function measure(
  dir: string,
  workload: Workload,
  capture: Capture,
  rows: number,
  run: number,
  clock: Clock,
): number {
  const file = freshFile(dir, `${workload}-${capture}-${run}`, capture);
  if (workload !== 'insert' && workload !== 'tx100') write(file, 'tx100', rows, 1, clock);
  const rate = write(file, workload, rows, 1, clock);
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  return rate;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
/** The median of per-round ratios, with the lowest and highest: `0.71× (0.65–0.77)`. */
const ratio = (xs: readonly number[], offs: readonly number[]): string => {
  const r = xs.map((x, i) => x / offs[i]!);
  return `${median(r).toFixed(2)}× (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
};

function main(): void {
  const values = benchArgs(USAGE, {
    rows: { type: 'string', default: '20000' },
    repeat: { type: 'string', default: '3' },
    floor: { type: 'boolean', default: false },
    clock: { type: 'string', default: 'wall' },
    workloads: { type: 'string', default: WORKLOADS.map((w) => w.name).join(',') },
  });
  if (values === null) return;
  const rows = Math.max(100, Math.round(Number(values.rows) / 100) * 100);
  const repeat = Math.max(1, Math.trunc(Number(values.repeat)));
  const clock: Clock = values.clock === 'cpu' ? 'cpu' : 'wall';
  const chosen = new Set(values.workloads.split(','));
  const captures: readonly Capture[] = values.floor
    ? ['off', 'litebridge', 'never-fires', 'one-rowid']
    : ['off', 'litebridge'];
  const dir = mkdtempSync(join(tmpdir(), 'litebridge-capture-bench-'));
  try {
    const lines = [
      `Capture cost: ${int(rows)} rows per workload, ${repeat} interleaved rounds, ${clock} clock; rows/s medians, ratios`,
      "to the same round without capture: median (lowest–highest). `flights` with the collector's indexes,",
      'journal_mode=WAL, synchronous=NORMAL, writer in a separate process (better-sqlite3).',
      '',
      values.floor
        ? '| workload | rows/s without capture | rows/s with capture | with / without | floor: trigger never fires | floor: trigger appends new.rowid | litebridge − floor (points) |'
        : '| workload | rows/s without capture | rows/s with capture | with / without |',
      values.floor ? '| --- | ---: | ---: | ---: | ---: | ---: | ---: |' : '| --- | ---: | ---: | ---: |',
    ];
    for (const { name, label } of WORKLOADS.filter((w) => chosen.has(w.name))) {
      const rates = new Map<Capture, number[]>(captures.map((c) => [c, []]));
      // Alternate the configurations so drift of the machine affects them alike.
      for (let run = 0; run < repeat; run++) {
        for (const capture of captures) {
          rates.get(capture)!.push(measure(dir, name, capture, rows, run, clock));
        }
      }
      const offs = rates.get('off')!;
      const ons = rates.get('litebridge')!;
      const floors = captures
        .slice(2)
        .map((c) => ` ${ratio(rates.get(c)!, offs)} |`)
        .join('');
      const points = values.floor
        ? ` ${(100 * median(ons.map((x, i) => (x - rates.get('one-rowid')![i]!) / offs[i]!))).toFixed(1)} |`
        : '';
      lines.push(
        `| ${label} | ${int(median(offs))} | ${int(median(ons))} | ${ratio(ons, offs)} |${floors}${points}`,
      );
      log(`${name} done`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();

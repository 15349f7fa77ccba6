/**
 * Capture bench: what the capture triggers cost the application. A separate process (as the
 * application is) writes to a collector-shaped `flights` table with and without litebridge's
 * triggers: single-row autocommit INSERTs, UPDATEs and DELETEs, and 100-row transactions, in
 * WAL mode with `synchronous=NORMAL` (the setting a collector writing every few seconds most
 * likely uses; with FULL every commit waits for fsync and the triggers' share shrinks).
 * With `--floor` it also measures the cheapest triggers there can be, to show what part of the cost
 * any trigger-based capture pays: a trigger whose WHEN is false (SQLite still prepares the row for
 * it), and a trigger that appends one bare integer row to a one-column table.
 * Run: `npm run build && node dist/bench/capture.js [--rows N] [--floor]`. Prints a Markdown table.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { introspect } from '../src/schema/introspect.js';
import { installCapture } from '../src/sqlite/capture.js';
import { VATSIM_SCHEMA_SQL } from '../src/workload/vatsim-schema.js';

const USAGE = `usage: node dist/bench/capture.js [--rows N] [--repeat N] [--floor]
  --rows    rows written per workload and configuration (default 20000)
  --repeat  runs per measurement, the median is reported (default 3)
  --floor   also measure the cheapest possible triggers (a never-firing one, a one-integer append)`;

type Workload = 'insert' | 'update' | 'delete' | 'tx100';
const WORKLOADS: readonly { readonly name: Workload; readonly label: string }[] = [
  { name: 'insert', label: 'INSERT, one row per autocommit' },
  { name: 'update', label: 'UPDATE, one row per autocommit' },
  { name: 'delete', label: 'DELETE, one row per autocommit' },
  { name: 'tx100', label: 'INSERT, 100 rows per transaction' },
];

/** The application: opens the file as the collector would and writes `rows` rows one way. */
const WRITER = `
const Database = require(process.argv[1]);
const [file, mode, rowsText, firstText] = process.argv.slice(2);
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
const start = process.hrtime.bigint();
if (mode === 'insert') for (let i = 0; i < rows; i++) ins.run(...row(first + i));
if (mode === 'update') for (let i = 0; i < rows; i++) upd.run(30000 + i, '{"lat":1,"lng":2}', '2025-07-24 13:00:00', first + i);
if (mode === 'delete') for (let i = 0; i < rows; i++) del.run(first + i);
if (mode === 'tx100') for (let i = 0; i < rows; i += 100) tx(first + i);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
db.close();
process.stdout.write(JSON.stringify({ ms }));
`;

const SQLITE_MODULE = createRequire(import.meta.url).resolve('better-sqlite3');

/** Runs the writer process once; returns rows/s. */
function write(file: string, mode: Workload | 'insert', rows: number, first: number): number {
  const run = spawnSync(
    process.execPath,
    ['-e', WRITER, SQLITE_MODULE, file, mode, String(rows), String(first)],
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
type Capture = 'off' | 'litebridge' | 'never-fires' | 'one-integer';

/** The floor triggers: the same on INSERT, UPDATE and DELETE. */
function floorSql(capture: 'never-fires' | 'one-integer'): string {
  const body =
    capture === 'never-fires'
      ? 'WHEN 0 BEGIN SELECT 1; END'
      : 'BEGIN INSERT INTO _floor_log (seq) VALUES (NULL); END';
  return [
    'CREATE TABLE _floor_log (seq INTEGER PRIMARY KEY)',
    ...['INSERT', 'UPDATE', 'DELETE'].map(
      (op) => `CREATE TRIGGER _floor_${op.toLowerCase()} AFTER ${op} ON flights FOR EACH ROW ${body}`,
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
function measure(dir: string, workload: Workload, capture: Capture, rows: number, run: number): number {
  const file = freshFile(dir, `${workload}-${capture}-${run}`, capture);
  if (workload === 'update' || workload === 'delete') write(file, 'tx100', rows, 1);
  const rate = write(file, workload, rows, 1);
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  return rate;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

function main(): void {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '20000' },
      repeat: { type: 'string', default: '3' },
      floor: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const rows = Math.max(100, Math.round(Number(values.rows) / 100) * 100);
  const repeat = Math.max(1, Math.trunc(Number(values.repeat)));
  const captures: readonly Capture[] = values.floor
    ? ['off', 'litebridge', 'never-fires', 'one-integer']
    : ['off', 'litebridge'];
  const dir = mkdtempSync(join(tmpdir(), 'litebridge-capture-bench-'));
  try {
    const lines = [
      `Capture cost: ${int(rows)} rows per workload, median of ${repeat} runs, \`flights\` with the collector's indexes,`,
      'journal_mode=WAL, synchronous=NORMAL, writer in a separate process (better-sqlite3).',
      '',
      values.floor
        ? '| workload | rows/s without capture | rows/s with capture | with / without | floor: trigger never fires | floor: trigger appends one integer |'
        : '| workload | rows/s without capture | rows/s with capture | with / without |',
      values.floor ? '| --- | ---: | ---: | ---: | ---: | ---: |' : '| --- | ---: | ---: | ---: |',
    ];
    for (const { name, label } of WORKLOADS) {
      const rates = new Map<Capture, number[]>(captures.map((c) => [c, []]));
      // Alternate the configurations so drift of the machine affects them alike.
      for (let run = 0; run < repeat; run++) {
        for (const capture of captures) rates.get(capture)!.push(measure(dir, name, capture, rows, run));
      }
      const off = median(rates.get('off')!);
      const on = median(rates.get('litebridge')!);
      const floors = captures
        .slice(2)
        .map((c) => ` ${(median(rates.get(c)!) / off).toFixed(2)} |`)
        .join('');
      lines.push(`| ${label} | ${int(off)} | ${int(on)} | ${(on / off).toFixed(2)} |${floors}`);
      process.stderr.write(`[bench] ${name} done\n`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();

/**
 * Capture bench: what the capture triggers cost the application. A separate process (as the
 * application is) writes to a collector-shaped `flights` table with and without litebridge's
 * triggers: single-row autocommit INSERTs, UPDATEs and DELETEs, and 100-row transactions, in
 * WAL mode with `synchronous=NORMAL` (the setting a collector writing every few seconds most
 * likely uses; with FULL every commit waits for fsync and the triggers' share shrinks).
 * With `--floor` it also measures the cheapest triggers there can be, to show what part of the cost
 * any trigger-based capture pays: a trigger whose WHEN is false (SQLite still prepares the row for
 * it), and the cheapest trigger that records anything, `INSERT INTO t VALUES (new.rowid)` into a
 * one-column table (`old.rowid` on DELETE), and the cheapest that also records when, the same with
 * the capture time as litebridge computes it. Every round runs each configuration once, one after
 * the other, so a busy machine slows them alike; each ratio is taken within its round (against
 * that round's run without capture), and the table gives the median ratio and its spread (lowest
 * and highest round).
 * `--variants` adds litebridge's triggers rebuilt without one part each (the flag lookup, the
 * capture time, the time's conversion to ms, the changelog's 8 key slots), to size each part.
 * `--clock cpu` times the writer's CPU (user + system) instead of the wall clock: steadier on a
 * shared machine, blind to waiting for the disk.
 * `--clock instructions` counts instructions instead: each measured writer runs under
 * valgrind's callgrind, which counts the instructions the process executes whatever else the
 * machine is doing (rounds differ by up to 1% on updates and deletes, up to 4% on inserts,
 * where V8 may collect garbage inside a counted call). Only the writes count:
 * collection is on only inside better-sqlite3's native `Statement#run` (`--toggle-collect`),
 * which covers binding, SQLite's whole statement (triggers included) and the BEGIN and COMMIT
 * of the transactions. Node's start, the file's opening, the preparing and the JavaScript loop
 * around the calls are left out: they are the same with and without capture, and counting them
 * (a run writing nothing subtracted from one writing) left a difference of millions of
 * instructions between identical runs, as much as the capture of a thousand rows. Leaving the
 * loop out makes the ratios a little lower than the application sees (its own work between
 * writes dilutes what capture adds). glibc is told not to use `rep movsb`/`rep stosb` for large
 * copies, which valgrind counts as one instruction per byte (a 4 KiB page copy would count as
 * 4,096). Invisible to this clock: time waiting for the disk or the lock, and the kernel's work
 * (the WAL's write calls); it is a count, not a time, so it says which variant does less work, not
 * how much faster a given machine runs it. A run is about 10 s of callgrind per writer, hence the
 * smaller default of rows.
 * Run: `npm run build && node dist/bench/capture.js [--rows N] [--floor]`. Prints a Markdown table.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { introspect } from '../src/schema/introspect.js';
import { quoteIdent } from '../src/schema/quote.js';
import { installCapture } from '../src/sqlite/capture.js';
import { CAPTURE_FLAG_TABLE, CAPTURE_NOW_SQL, CHANGELOG_TABLE } from '../src/sqlite/capture-sql.js';
import { VATSIM_SCHEMA_SQL } from '../src/workload/vatsim-schema.js';
import { benchArgs } from './lib/args.js';
import { int, log } from './lib/harness.js';

const USAGE = `usage: node dist/bench/capture.js [--rows N] [--repeat N] [--floor] [--variants a,b] [--clock wall|cpu|instructions] [--workloads a,b]
  --rows       rows written per workload and configuration (default 20000; 2000 with --clock instructions)
  --repeat     interleaved rounds, the median is reported with its spread (default 3)
  --floor      also measure the cheapest possible triggers (a never-firing one, a one-rowid append,
               a rowid and capture time append)
  --variants   also measure litebridge's triggers without one part: no-flag,no-time,raw-time,narrow
  --clock      wall (default): the writer's elapsed time; cpu: its user + system CPU time;
               instructions: the instructions of its writes, counted by valgrind's callgrind
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

/** What the writer is measured by: its elapsed time, its CPU time, or the instructions of its writes. */
type Clock = 'wall' | 'cpu' | 'instructions';

/** glibc without `rep movsb`/`rep stosb` for large copies: callgrind counts them once per byte. */
const NO_REP_STRINGS =
  'glibc.cpu.x86_rep_movsb_threshold=1000000000:glibc.cpu.x86_rep_stosb_threshold=1000000000';
/** better-sqlite3's native run of a statement: callgrind counts only inside it. */
const COUNTED_FUNCTION = 'Statement::JS_run*';

/**
 * Runs the writer process once; returns rows per second, or with `instructions` rows per 10⁹
 * instructions (the writer then runs under callgrind, counting only inside `COUNTED_FUNCTION`).
 */
function write(file: string, mode: Workload, rows: number, first: number, clock: Clock): number {
  const args = ['-e', WRITER, SQLITE_MODULE, file, mode, String(rows), String(first), clock];
  const run =
    clock === 'instructions'
      ? spawnSync(
          'valgrind',
          [
            '--tool=callgrind',
            '--callgrind-out-file=/dev/null',
            '--collect-atstart=no',
            `--toggle-collect=${COUNTED_FUNCTION}`,
            process.execPath,
            ...args,
          ],
          { encoding: 'utf8', env: { ...process.env, GLIBC_TUNABLES: NO_REP_STRINGS } },
        )
      : spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (run.error !== undefined) throw new Error(`writer did not start: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`writer failed: ${run.stderr}`);
  if (clock === 'instructions') {
    const counted = Number(/Collected : (\d+)/.exec(run.stderr)?.[1] ?? 0);
    if (counted === 0) throw new Error(`callgrind counted no writes: ${run.stderr}`);
    return (rows / counted) * 1e9;
  }
  const { ms } = JSON.parse(run.stdout) as { ms: number };
  return (rows / ms) * 1000;
}

/**
 * What the file carries: nothing, litebridge's capture, or one of the floor triggers on
 * `flights` (the table the writer writes).
 */
type Floor = 'never-fires' | 'one-rowid' | 'rowid-time';
type Capture = 'off' | 'litebridge' | Floor | Variant;

/** Column headings of the floors and the variants. */
const HEADINGS: Record<Exclude<Capture, 'off' | 'litebridge'>, string> = {
  'never-fires': 'floor: trigger never fires',
  'one-rowid': 'floor: trigger appends new.rowid',
  'rowid-time': 'floor: appends new.rowid and capture time',
  'no-flag': 'variant: no flag lookup',
  'no-time': 'variant: constant instead of capture time',
  'raw-time': "variant: julianday('now') as it is",
  narrow: 'variant: 5-column changelog',
};

/**
 * Variants of litebridge's installed triggers (`--variants`), each without one part, to size
 * what that part costs: the capture flag lookup; the capture time (a constant 0); the time's
 * conversion to ms; the changelog's 8 key slots (seq, tbl, op, k0, at only: flights has one key).
 */
const VARIANTS = ['no-flag', 'no-time', 'raw-time', 'narrow'] as const;
type Variant = (typeof VARIANTS)[number];

/** Re-creates the installed triggers of `flights` (and for `narrow` the changelog) as `variant`. */
function makeVariant(db: Database.Database, variant: Variant): void {
  const flag = `(SELECT enabled FROM ${quoteIdent(CAPTURE_FLAG_TABLE)})`;
  const edit = (sql: string): string =>
    variant === 'no-flag'
      ? sql.replace(` AND ${flag}`, '').replace(`WHEN ${flag}`, '')
      : variant === 'no-time'
        ? sql.replaceAll(CAPTURE_NOW_SQL, '0')
        : variant === 'raw-time'
          ? sql.replaceAll(CAPTURE_NOW_SQL, "julianday('now')")
          : sql;
  if (variant === 'narrow') {
    db.exec(
      `DROP TABLE ${quoteIdent(CHANGELOG_TABLE)}; CREATE TABLE ${quoteIdent(CHANGELOG_TABLE)} (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, k0, at REAL NOT NULL)`,
    );
  }
  const triggers = db
    .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'flights'")
    .all() as { name: string; sql: string }[];
  for (const { name, sql } of triggers) db.exec(`DROP TRIGGER ${quoteIdent(name)}; ${edit(sql)}`);
}

/**
 * The floor triggers, one per operation: `WHEN 0`; append the row's rowid to a one-column table;
 * or append it with the capture time as litebridge computes it (the cheapest trigger that
 * records when a change was captured).
 */
function floorSql(capture: Floor): string {
  const body = (row: 'new' | 'old') =>
    capture === 'never-fires'
      ? 'WHEN 0 BEGIN SELECT 1; END'
      : capture === 'one-rowid'
        ? `BEGIN INSERT INTO _floor_log VALUES (${row}.rowid); END`
        : `BEGIN INSERT INTO _floor_log VALUES (${row}.rowid, ${CAPTURE_NOW_SQL}); END`;
  return [
    capture === 'rowid-time' ? 'CREATE TABLE _floor_log (x, at)' : 'CREATE TABLE _floor_log (x)',
    ...(['INSERT', 'UPDATE', 'DELETE'] as const).map(
      (op) =>
        `CREATE TRIGGER _floor_${op.toLowerCase()} AFTER ${op} ON flights FOR EACH ROW ${body(op === 'DELETE' ? 'old' : 'new')}`,
    ),
  ].join(';\n');
}

const isVariant = (capture: Capture): capture is Variant => (VARIANTS as readonly string[]).includes(capture);

/** A fresh collector-shaped file with `capture` installed. */
function freshFile(dir: string, name: string, capture: Capture): string {
  const file = join(dir, `${name}.db`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(VATSIM_SCHEMA_SQL);
  if (capture === 'litebridge' || isVariant(capture)) {
    installCapture(db, introspect(db), { sourceId: 'bench' });
    if (isVariant(capture)) makeVariant(db, capture);
  } else if (capture !== 'off') db.exec(floorSql(capture));
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
  // The rows to update or delete, written uncounted.
  if (workload !== 'insert' && workload !== 'tx100') write(file, 'tx100', rows, 1, 'wall');
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
    rows: { type: 'string' },
    repeat: { type: 'string', default: '3' },
    floor: { type: 'boolean', default: false },
    variants: { type: 'string', default: '' },
    clock: { type: 'string', default: 'wall' },
    workloads: { type: 'string', default: WORKLOADS.map((w) => w.name).join(',') },
  });
  if (values === null) return;
  const clock: Clock = values.clock === 'cpu' || values.clock === 'instructions' ? values.clock : 'wall';
  const counted = clock === 'instructions';
  const rowsWanted = Number(values.rows ?? (counted ? 2000 : 20000));
  const rows = Math.max(100, Math.round(rowsWanted / 100) * 100);
  const repeat = Math.max(1, Math.trunc(Number(values.repeat)));
  const chosen = new Set(values.workloads.split(','));
  const variants = VARIANTS.filter((v) => values.variants.split(',').includes(v));
  const captures: readonly Capture[] = [
    'off',
    'litebridge',
    ...(values.floor ? (['never-fires', 'one-rowid', 'rowid-time'] as const) : []),
    ...variants,
  ];
  const extra = captures.slice(2) as Exclude<Capture, 'off' | 'litebridge'>[];
  // Medians as rows/s, or with counted instructions as instructions per row.
  const unit = counted ? 'instructions/row' : 'rows/s';
  const shown = (rate: number): string => int(counted ? 1e9 / rate : rate);
  const dir = mkdtempSync(join(tmpdir(), 'litebridge-capture-bench-'));
  try {
    const lines = [
      `Capture cost: ${int(rows)} rows per workload, ${repeat} interleaved rounds, ${clock} clock; ${unit} medians, ratios`,
      "of rates to the same round without capture: median (lowest–highest). `flights` with the collector's indexes,",
      'journal_mode=WAL, synchronous=NORMAL, writer in a separate process (better-sqlite3).',
      '',
      `| workload | ${unit} without capture | ${unit} with capture | with / without |${extra.map((c) => ` ${HEADINGS[c]} |`).join('')}${values.floor ? ' litebridge − rowid floor (points) | litebridge − rowid and time floor (points) |' : ''}`,
      `| --- | ---: | ---: | ---: |${' ---: |'.repeat(extra.length + (values.floor ? 2 : 0))}`,
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
      const floors = extra.map((c) => ` ${ratio(rates.get(c)!, offs)} |`).join('');
      // litebridge − a floor: median over rounds of the round's difference, in points of the rate without capture.
      const points = (floor: Floor): string =>
        ` ${(100 * median(ons.map((x, i) => (x - rates.get(floor)![i]!) / offs[i]!))).toFixed(1)} |`;
      const against = values.floor ? `${points('one-rowid')}${points('rowid-time')}` : '';
      lines.push(
        `| ${label} | ${shown(median(offs))} | ${shown(median(ons))} | ${ratio(ons, offs)} |${floors}${against}`,
      );
      log(`${name} done`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();

/**
 * The snapshot's read path alone, no PostgreSQL: CPU seconds (this process, one thread) of reading
 * every table of the collector-shaped workload out of SQLite page by page, as the snapshot does,
 * then with its binary COPY encoding, then ways of reading that were tried instead:
 * - `read`: litebridge's table reader (safe integers: INTEGER as BigInt, REAL as number);
 * - `read+encode`: the same, each row encoded into binary COPY (the snapshot's whole JS work);
 * - `plain`: the target columns by rowid pages, safe integers (the baseline of the variants);
 * - `numbers`: the same with plain numbers (an INTEGER 5 and a REAL 5.0 both read as 5);
 * - `text-json`: text columns as one `json_array(…)` per row, then `JSON.parse` (JSON cannot
 *   hold blobs and reads INTEGER and REAL alike);
 * - `text-blob`: text columns as `CAST(… AS BLOB)` (bytes, for writing without decoding).
 * Run: `npm run build && node dist/bench/read-path.js [--rows 2000000] [--repeat 1]`.
 */
import { BinaryCopyOut, binaryRowEncoder } from '../src/codec/index.js';
import { DEFAULT_TRANSLATE_OPTIONS } from '../src/config/config.js';
import type { SourceTable } from '../src/model/source-schema.js';
import type { TargetTable } from '../src/model/target-schema.js';
import { PAGE_BYTES, PAGE_ROWS } from '../src/pipeline/copy-table.js';
import { introspect } from '../src/schema/introspect.js';
import { quoteIdent } from '../src/schema/quote.js';
import { translate } from '../src/schema/translate.js';
import { openSqlite, type SqliteDatabase } from '../src/sqlite/open.js';
import { tableReader } from '../src/sqlite/snapshot-read.js';
import { benchArgs, parseCount, runBench, workloadArgs, workloadOptions } from './lib/args.js';
import { log } from './lib/harness.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { cachedWorkload } from './lib/workload-cache.js';

const USAGE = `usage: node dist/bench/read-path.js [--rows N] [--seed N] [--repeat N] [--out DIR]
  --rows    rows of the collector-shaped workload (default 2000000; cached per rows+seed in --out)
  --repeat  rounds; the median round's CPU is reported (default 1)`;

const VARIANTS = ['read', 'read+encode', 'plain', 'numbers', 'text-json', 'text-blob'] as const;
type Variant = (typeof VARIANTS)[number];

interface Table {
  readonly source: SourceTable;
  readonly target: TargetTable;
}

/** Reads every row of `table` one way; returns the rows read. */
function readTable(db: SqliteDatabase, { source, target }: Table, variant: Variant): number {
  let rows = 0;
  if (variant === 'read' || variant === 'read+encode') {
    const reader = tableReader(db, source, target);
    const encode = binaryRowEncoder(target.columns);
    const out = new BinaryCopyOut();
    for (const page of reader.pages(reader.pageRows(PAGE_ROWS, PAGE_BYTES))) {
      rows += page.length;
      if (variant === 'read') continue;
      for (const row of page) encode(row, out);
      out.take();
    }
    return rows;
  }
  const isText = (c: TargetTable['columns'][number]) => c.type === 'text' || c.type === 'jsonb';
  const names = target.columns.map((c) => quoteIdent(c.source.name));
  const texts = target.columns.filter(isText).map((c) => quoteIdent(c.source.name));
  const others = target.columns.filter((c) => !isText(c)).map((c) => quoteIdent(c.source.name));
  const list =
    variant === 'text-json'
      ? [...others, texts.length === 0 ? 'NULL' : `json_array(${texts.join(', ')})`]
      : variant === 'text-blob'
        ? [...others, ...texts.map((t) => `CAST(${t} AS BLOB)`)]
        : names;
  const from = quoteIdent(source.name);
  const page = db
    .prepare(`SELECT ${list.join(', ')}, rowid FROM ${from} WHERE rowid > ? ORDER BY rowid LIMIT ?`)
    .raw(true)
    .safeIntegers(variant !== 'numbers');
  const json = list.length - 1;
  for (let after: unknown = -(2n ** 63n); ; ) {
    const batch = page.all(after, PAGE_ROWS) as unknown[][];
    if (batch.length === 0) return rows;
    if (variant === 'text-json') for (const row of batch) JSON.parse(String(row[json] ?? 'null'));
    rows += batch.length;
    after = batch[batch.length - 1]!.at(-1);
  }
}

/** CPU seconds (user + system) of reading every table once `variant`'s way. */
function cpuOf(db: SqliteDatabase, tables: readonly Table[], variant: Variant, expected: number): number {
  const before = process.cpuUsage();
  let rows = 0;
  for (const table of tables) rows += readTable(db, table, variant);
  const used = process.cpuUsage(before);
  if (rows !== expected) throw new Error(`${variant}: read ${rows} rows, expected ${expected}`);
  return (used.user + used.system) / 1e6;
}

function main(): Promise<void> {
  const values = benchArgs(USAGE, {
    ...workloadOptions('2000000'),
    repeat: { type: 'string', default: '1' },
  });
  if (values === null) return Promise.resolve();
  const { rows, seed } = workloadArgs(values, 1);
  const repeat = parseCount(values.repeat, '--repeat', 1);
  const machine = machineInfo();
  const file = cachedWorkload(values.out, rows, seed, log);
  const db = openSqlite(file, { readonly: true });
  try {
    const source = introspect(db);
    const target = translate(source, { ...DEFAULT_TRANSLATE_OPTIONS, schema: 'public' });
    const tables = target.tables.map((t) => ({
      source: source.tables.find((s) => s.name === t.source)!,
      target: t,
    }));
    db.exec('BEGIN');
    const cpu = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
    for (let round = 0; round < repeat; round++) {
      for (const variant of VARIANTS) {
        cpu.get(variant)!.push(cpuOf(db, tables, variant, rows));
        log(`round ${round + 1}: ${variant} done`);
      }
    }
    db.exec('COMMIT');
    const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    process.stdout.write(
      `${[
        `## The snapshot's read path: ${rows.toLocaleString('en-US')} collector rows, one thread, no PostgreSQL`,
        '',
        `- Date: ${machine.date}; ${describeMachine(machine, false)}; ${repeat} round(s), median`,
        '',
        '| variant | CPU seconds | all rounds |',
        '| --- | ---: | --- |',
        ...VARIANTS.map((v) => {
          const xs = cpu.get(v)!;
          return `| ${v} | ${median(xs).toFixed(2)} | ${xs.map((x) => x.toFixed(2)).join(', ')} |`;
        }),
      ].join('\n')}\n`,
    );
  } finally {
    db.close();
  }
  return Promise.resolve();
}

runBench(main, USAGE);

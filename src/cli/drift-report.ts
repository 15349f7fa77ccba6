import { loadConfig } from '../config/load.js';
import { type DriftReport, runDriftReport } from '../verify/drift-report.js';
import { type CommandSpec, configFlags, connectionOptions, positiveNumber } from './command.js';
import { textTable } from './output.js';

/** `litebridge drift-report`: which rows differ between SQLite and PostgreSQL, exactly. */
export const driftReportCommand: CommandSpec = {
  name: 'drift-report',
  summary: 'list every row that differs between SQLite and PostgreSQL (and optionally repair them)',
  help: `
Cuts each table into chunks (key ranges for integer keys, key hash buckets otherwise). Each
database computes per chunk a row count and the sum of canonical row hashes itself; only those
summaries are compared. Chunks that differ are narrowed down to keys, and differing rows to
columns, compared through the codec (floats to the bit, timestamps to the microsecond, jsonb by
meaning).

Safe while the application writes and sync runs: PostgreSQL is read in one snapshot with its
checkpoint, SQLite right after; keys changed in between are in flight, not drift, and are counted
apart. Rows quarantined in litebridge.rejects count as drift. So does a table or column one side
has and the other lacks (a migration sync has not followed yet): it is named, and that table's
rows are not compared.

--repair rewrites the differing rows from SQLite (the source of truth) in one PostgreSQL
transaction, then checks again.

Exit status: 0 no drift, 1 drift, 2 error.`,
  configure(command) {
    connectionOptions(command);
    command
      .option('--table <name>', 'check only this SQLite table')
      .option('--repair', 'rewrite differing rows from SQLite, then check again')
      .option('--limit <n>', 'differences listed per table (counts are always exact)', '100');
  },
  async run(flags, log) {
    const config = loadConfig(configFlags(flags));
    const limit = Math.trunc(positiveNumber(flags.limit ?? 100, '--limit', true));
    const report = await runDriftReport(config, log, {
      ...(flags.table === undefined ? {} : { table: flags.table as string }),
      repair: flags.repair === true,
      sampleLimit: limit,
    });
    return { status: report.drift ? 'different' : 'ok', result: report, text: render(report) };
  },
};

function render(r: DriftReport): string {
  const lines = [
    textTable(
      [
        'table',
        'sqlite rows',
        'pg rows',
        'chunks',
        'differing',
        'missing',
        'extra',
        'different',
        'in flight',
        'quarantined',
      ],
      r.tables.map((t) => [
        t.table,
        t.sqliteRows,
        t.pgRows,
        t.chunksChecked,
        t.chunksDiffering,
        t.missingCount,
        t.extraCount,
        t.differentCount,
        t.inFlightCount,
        t.quarantined,
      ]),
    ),
  ];
  for (const t of r.tables) {
    for (const line of t.schema) lines.push(`${t.table}: schema differs: ${line}`);
    for (const key of t.missing) lines.push(`${t.table}: missing in PostgreSQL: ${key}`);
    for (const key of t.extra) lines.push(`${t.table}: extra in PostgreSQL: ${key}`);
    for (const d of t.different) {
      for (const c of d.columns) {
        lines.push(`${t.table}: ${d.key}: column "${c.column}": SQLite ${c.sqlite}, PostgreSQL ${c.pg}`);
      }
    }
    if (t.unsettledChunks > 0) {
      lines.push(`${t.table}: ${t.unsettledChunks} chunk(s) kept changing while checked; run again`);
    }
  }
  if (r.repaired !== null) {
    lines.push(
      '',
      `repaired: ${r.repaired.upserted} rows rewritten, ${r.repaired.deleted} deleted, ${r.repaired.skippedInFlight} left to sync`,
    );
  }
  lines.push(
    '',
    `point: PostgreSQL checkpoint ${r.checkpoint ?? '-'}, SQLite head ${r.head ?? '-'} (${r.consistency})`,
    `speed: ${r.rowsPerSecond} rows/s per side`,
    r.drift ? 'DRIFT' : 'no drift',
  );
  return lines.join('\n');
}

import { loadConfig } from '../config/load.js';
import { BridgeError } from '../errors.js';
import { compareQueries } from '../parity/compare-queries.js';
import { readQueriesFile } from '../parity/queries-file.js';
import type { QueriesReport } from '../parity/query-report.js';
import { DEFAULT_SLOWER } from '../parity/query-timing.js';
import { type CommandSpec, configFlags, connectionOptions, positiveNumber } from './command.js';
import { textTable } from './output.js';

/** `litebridge compare-queries`: do the application's queries answer the same, as fast, on PostgreSQL? */
export const compareQueriesCommand: CommandSpec = {
  name: 'compare-queries',
  summary: "run the application's queries on SQLite and PostgreSQL: same answers, as fast?",
  help: `
The queries file is plain SQL. Each query starts with a line "-- name: NAME", then the SQL as
SQLite runs it, then optionally a line "-- postgres:" and the form rewritten for PostgreSQL (a
trailing ";" is optional). Parameters: ":NAME" in both forms, sample values on lines
"-- param: NAME VALUE" (a number, a 'string' or NULL).

Both forms run in read-only transactions at the same logical point while the application writes
and sync applies (PostgreSQL's checkpoint equal to SQLite's changelog head). Results are compared
through the codec: as multisets without a top-level ORDER BY, in order (ties as multisets) with
one; numbers exactly where both are exact, within a relative 1e-9 where one side is a double;
column names compared too.

Status per query: same, differs, fails-on-postgres, fails-on-sqlite, nondeterministic (LIMIT
without a total order), unsettled (the two sides never reached the same point), with a hint
naming the known cause. Timing: 2 warm-up runs, then --runs interleaved runs per side in random
order; slower on PostgreSQL means its p50 is at least --slower-ratio times SQLite's AND at least
--slower-ms more. SELECT 1 is timed beside as the round-trip baseline.

Exit status: 0 every query same and none slower, 1 otherwise, 2 error.`,
  configure(command) {
    connectionOptions(command);
    command
      .option('--queries <file>', 'the queries file')
      .option('--runs <n>', 'timed runs per side and query', '20')
      .option(
        '--slower-ratio <x>',
        'slower when PostgreSQL p50 is at least this many times SQLite p50',
        String(DEFAULT_SLOWER.ratio),
      )
      .option('--slower-ms <ms>', '…and at least this many milliseconds more', String(DEFAULT_SLOWER.floorMs))
      .option(
        '--settle-timeout <ms>',
        'how long to wait for both sides to reach the same point per query',
        '10000',
      );
  },
  async run(flags, log) {
    if (typeof flags.queries !== 'string') {
      throw new BridgeError('BAD_ARGS', 'no queries file given', { hint: 'pass --queries FILE' });
    }
    const config = loadConfig(configFlags(flags));
    const queries = readQueriesFile(flags.queries);
    const report = await compareQueries(config, queries, log, {
      runs: Math.trunc(positiveNumber(flags.runs ?? 20, '--runs', false)),
      slower: {
        ratio: positiveNumber(flags.slowerRatio ?? DEFAULT_SLOWER.ratio, '--slower-ratio', false),
        floorMs: positiveNumber(flags.slowerMs ?? DEFAULT_SLOWER.floorMs, '--slower-ms', true),
      },
      settleTimeoutMs: positiveNumber(flags.settleTimeout ?? 10_000, '--settle-timeout', false),
    });
    return { status: report.ok ? 'ok' : 'different', result: report, text: renderQueries(report) };
  },
};

/** The human table of a comparison, then the details of each query that is not the same. */
export function renderQueries(r: QueriesReport): string {
  const ms = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(3));
  const lines = [
    textTable(
      ['query', 'status', 'sqlite p50', 'sqlite p95', 'pg p50', 'pg p95', 'ratio', 'slower'],
      r.queries.map((q) => [
        q.name,
        q.status,
        ms(q.sqlite?.p50Ms),
        ms(q.sqlite?.p95Ms),
        ms(q.postgres?.p50Ms),
        ms(q.postgres?.p95Ms),
        q.ratio === null ? '-' : q.ratio.toFixed(2),
        q.slower ? 'SLOWER' : '',
      ]),
    ),
    '',
    `baseline SELECT 1: SQLite p50 ${ms(r.baseline.sqlite.p50Ms)} ms, PostgreSQL p50 ${ms(r.baseline.postgres.p50Ms)} ms (round trip); ${r.runs} runs per side`,
    `slower: PostgreSQL p50 >= ${r.slowerRule.ratio} x SQLite p50 and >= ${r.slowerRule.floorMs} ms more`,
  ];
  for (const q of r.queries) {
    if (q.status === 'same' && !q.slower) continue;
    lines.push('', `${q.name}: ${q.status}${q.slower ? ' (slower on PostgreSQL)' : ''}`);
    if (q.reason !== null) lines.push(`  ${q.reason}`);
    if (q.rows !== null) {
      for (const row of q.rows.sqlite)
        lines.push(
          `  SQLite:     ${JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`,
        );
      for (const row of q.rows.postgres) lines.push(`  PostgreSQL: ${JSON.stringify(row)}`);
    }
    if (q.hint !== null) lines.push(`  hint: ${q.hint}`);
  }
  lines.push('', r.ok ? 'all queries answer the same, none slower' : 'NOT ALL SAME');
  return lines.join('\n');
}

import { loadConfig } from '../config/load.js';
import { createPool } from '../pg/pool.js';
import {
  maintainAll,
  type PartitionTableReport,
  partitionedTargets,
  partitionReport,
} from '../pipeline/partitions.js';
import { type CommandSpec, configFlags, connectionOptions } from './command.js';
import { textTable } from './output.js';

/** `litebridge partitions`: the partition invariants per table, and one maintenance pass. */
export const partitionsCommand: CommandSpec = {
  name: 'partitions',
  summary: 'show (and with --maintain keep) the time partitions of partitioned tables',
  help: `
Per partitioned table: first and last partition, the horizon (upper bound of the newest
partition) in intervals past now, rows in the DEFAULT partition and how many of them lie inside
the partitioned range (they belong in a partition), and the last maintenance pass.

Invariants: partitions are contiguous from the first one to a horizon at least "premake"
intervals past now (config "partitions": {"<table>": {"premake": 4}}), and no row inside that
range sits in DEFAULT. Only outliers (before the first partition, far past the horizon) may.

--maintain runs one pass first: creates the missing partitions up to the horizon (each as a
standalone table LIKE the parent, DEFAULT's rows of its range moved into it, then ATTACH
PARTITION, in one short transaction under lock_timeout, retried), and detaches partitions older
than "retention" intervals when configured (the detached tables are kept). Safe while the
application writes; runnable from cron after finish.

Exit status: 0 every invariant holds, 1 an invariant is broken (named), 2 error.`,
  configure(command) {
    connectionOptions(command);
    command.option(
      '--maintain',
      'run one maintenance pass first (create ahead, move DEFAULT rows, retention)',
    );
  },
  async run(flags) {
    const config = loadConfig(configFlags(flags));
    const tables = partitionedTargets(config);
    const pool = createPool(config.pgUrl, { max: 1, applicationName: 'litebridge partitions' });
    try {
      if (flags.maintain === true) await maintainAll(pool, tables, { retention: true });
      const report = await partitionReport(pool, tables);
      const broken = report.some((t) => t.problems.length > 0);
      return { status: broken ? 'different' : 'ok', result: { tables: report }, text: render(report) };
    } finally {
      await pool.end();
    }
  },
};

function render(report: readonly PartitionTableReport[]): string {
  if (report.length === 0) return 'no partitioned tables configured';
  const lines = [
    textTable(
      ['table', 'interval', 'first', 'last', 'horizon', 'premake', 'default rows', 'in range', 'maintained'],
      report.map((t) => [
        t.table,
        t.interval,
        t.firstPartition ?? '-',
        t.lastPartition ?? '-',
        t.horizonIntervals ?? '-',
        t.premake,
        t.defaultRows,
        t.defaultRowsInRange,
        t.lastMaintenance === null
          ? 'never'
          : `${t.lastMaintenance.at.toISOString()}${t.lastMaintenance.error === null ? '' : ' (failed)'}`,
      ]),
    ),
  ];
  for (const t of report) for (const p of t.problems) lines.push(`${t.table}: ${p}`);
  lines.push(report.some((t) => t.problems.length > 0) ? 'INVARIANT BROKEN' : 'all invariants hold');
  return lines.join('\n');
}

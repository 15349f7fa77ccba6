import { loadConfig } from '../config/load.js';
import { runSnapshot, type SnapshotResult } from '../pipeline/snapshot.js';
import { type CommandSpec, configFlags, connectionOptions } from './command.js';
import { textTable } from './output.js';

/** `litebridge snapshot`: one consistent copy of every table into PostgreSQL. */
export const snapshotCommand: CommandSpec = {
  name: 'snapshot',
  summary: 'copy every table of the SQLite file into PostgreSQL (schema, data, keys, indexes)',
  help: `
Reads every table at one point in time (one SQLite read transaction; with copy workers, one per
thread, all started while SQLite's write lock is held for a few milliseconds) and streams it
into PostgreSQL with binary COPY, large tables cut into key ranges copied in parallel. Each table's
primary key and indexes (and its identity sequence, past the column's max) are built as soon as
its rows are in; each foreign key (NOT VALID, dangling rows reported) as soon as both its tables
are in. Refuses a target that already holds rows unless --replace. In WAL mode the
application keeps writing meanwhile.

Examples:
  litebridge snapshot --sqlite collector.db --pg postgres://me@localhost/atc
  DATABASE_URL=postgres://… SQLITE_PATH=collector.db litebridge snapshot --replace --parallel 2

Exit status: 0 copied, 2 error (the message names table, key, column and value).`,
  configure(command) {
    connectionOptions(command);
    command
      .option('--replace', 'drop and re-create target tables that already hold rows')
      .option('--parallel <n>', 'COPY streams and index builds at once (default: one per core, 2 to 4)')
      .option(
        '--workers <n>',
        'threads reading and encoding rows (default: one per core for files of 64 MiB and more; 0: none)',
      )
      .option(
        '--on-bad-row <mode>',
        'stop (default) or quarantine: keep rows PostgreSQL cannot hold in litebridge.rejects',
      );
  },
  async run(flags, log) {
    const config = loadConfig({
      ...configFlags(flags),
      replace: flags.replace as boolean | undefined,
      parallel: flags.parallel as string | undefined,
      workers: flags.workers as string | undefined,
      onBadRow: flags.onBadRow as string | undefined,
    });
    const result = await runSnapshot(config, log);
    return { status: 'ok', result, text: render(result) };
  },
};

function render(result: SnapshotResult): string {
  const seconds = result.ms / 1000;
  const lines = [
    textTable(
      ['table', 'rows', 'rejected', 'seconds', 'rows/s'],
      result.tables.map((t) => [
        t.table,
        t.rows,
        t.rejected,
        Number((t.ms / 1000).toFixed(2)),
        Math.round(t.rows / Math.max(t.ms / 1000, 1e-3)),
      ]),
    ),
    '',
    `copied ${result.rows} rows in ${seconds.toFixed(2)} s (${Math.round(result.rows / Math.max(seconds, 1e-3))} rows/s) to PostgreSQL ${result.serverVersion}`,
  ];
  if (result.rejected > 0)
    lines.push(`${result.rejected} rows quarantined in litebridge.rejects: they count as drift`);
  for (const d of result.dangling) {
    lines.push(
      `foreign key ${d.constraint} on ${d.table}: ${d.rows} rows reference no row of ${d.references} (created NOT VALID)`,
    );
  }
  for (const note of result.notes.filter((n) => n.level !== 'info')) {
    lines.push(
      `${note.level}: ${note.table}${note.column === undefined ? '' : `.${note.column}`}: ${note.message}`,
    );
  }
  if (result.journalMode !== 'wal')
    lines.push(
      `note: the file is in ${result.journalMode} journal mode, not WAL: the application's writers waited for the copy`,
    );
  return lines.join('\n');
}

import { loadConfig } from '../config/load.js';
import { runVerify, type VerifyResult } from '../verify/verify.js';
import { type CommandSpec, configFlags, connectionOptions } from './command.js';
import { textTable } from './output.js';

/** `litebridge verify`: row counts and a full value comparison through the codec. */
export const verifyCommand: CommandSpec = {
  name: 'verify',
  summary: 'compare every row and value of SQLite and PostgreSQL',
  help: `
Compares every row and value of both sides as drift-report does (chunk summaries computed inside
each database, differing chunks narrowed to keys and columns, values compared as the codec maps
them: floats to the bit, timestamps to the microsecond, jsonb by meaning), and prints one line per
differing column. Strict: changes captured but not yet applied are differences too (drift-report
counts them apart, as in flight). Rows quarantined in litebridge.rejects count as differences,
and so does a table or column one side lacks (that table's rows are then not compared).

Exit status: 0 equal, 1 different, 2 error.`,
  configure(command) {
    connectionOptions(command);
    command.option('--table <name>', 'compare only this SQLite table');
  },
  async run(flags, log) {
    const config = loadConfig(configFlags(flags));
    const result = await runVerify(config, log, flags.table as string | undefined);
    return { status: result.equal ? 'ok' : 'different', result, text: render(result) };
  },
};

function render(result: VerifyResult): string {
  const lines = [
    textTable(
      ['table', 'sqlite rows', 'pg rows', 'missing', 'extra', 'different', 'quarantined'],
      result.tables.map((t) => [
        t.table,
        t.sqliteRows,
        t.pgRows,
        t.missingCount,
        t.extraCount,
        t.differentCount,
        t.quarantined,
      ]),
    ),
  ];
  for (const t of result.tables) {
    for (const line of t.schema) lines.push(`${t.table}: schema differs: ${line}`);
    for (const key of t.missing) lines.push(`${t.table}: missing in PostgreSQL: ${key}`);
    for (const key of t.extra) lines.push(`${t.table}: extra in PostgreSQL: ${key}`);
    for (const d of t.different)
      lines.push(`${t.table}: ${d.key}: column "${d.column}": SQLite ${d.sqlite}, PostgreSQL ${d.pg}`);
  }
  lines.push('', result.equal ? 'equal' : 'DIFFERENT');
  return lines.join('\n');
}

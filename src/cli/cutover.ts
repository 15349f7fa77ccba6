import { loadConfig } from '../config/load.js';
import type { CutoverResult } from '../cutover/cutover-result.js';
import { runCutover } from '../cutover/run-cutover.js';
import { type CommandSpec, configFlags, connectionOptions } from './command.js';

/** `litebridge cutover`: switch the application from SQLite to PostgreSQL while sync runs. */
export const cutoverCommand: CommandSpec = {
  name: 'cutover',
  summary: 'fence SQLite, drain, check, setval and switch to PostgreSQL (run while sync runs)',
  help: `
Preflight (the application still writes): the backlog, a drift check, wal_level = logical, a free
replication slot and WAL sender, the REPLICATION attribute, CREATE on the database and ownership
of the target tables. Then the NOT VALID foreign keys are validated (rows without a parent are
reported, the key stays NOT VALID, cutover goes on) and the publication and slot are created.

The fence window: EXCLUSIVE locks on the target tables (PostgreSQL reads go on, writes wait),
BEFORE triggers in SQLite that refuse the application's writes ("this database moved to
PostgreSQL at …"), the rest of the changelog applied, a final check of every key changed since
the drift check plus row counts, setval past every identity column's max, and the switch, in
one PostgreSQL transaction. The running sync then streams PostgreSQL's changes back into SQLite.
Any failure before the switch removes the fence and leaves sync forward as before; running
cutover again after an interruption completes it.

Exit status: 0 switched (or already switched, or --dry-run passed), 1 --dry-run found a failed
check, 2 error (a failed preflight lists each failed check with its fix).`,
  configure(command) {
    connectionOptions(command);
    command
      .option('--dry-run', 'run the preflight only')
      .option('--max-backlog <events>', 'most changelog events sync may be behind', '10000')
      .option('--lock-wait <ms>', 'how long to try for the table locks', '30000');
  },
  async run(flags, log) {
    const config = loadConfig(configFlags(flags));
    const result = await runCutover(config, log, {
      dryRun: flags.dryRun === true,
      maxBacklog: Number(flags.maxBacklog),
      lockWaitMs: Number(flags.lockWait),
    });
    const failed = result.preflight !== null && !result.preflight.ok;
    return { status: failed ? 'different' : 'ok', result, text: render(result) };
  },
};

function render(r: CutoverResult): string {
  const lines: string[] = [];
  for (const c of r.preflight?.checks ?? []) {
    lines.push(
      `${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(10)} ${c.detail}${c.ok || c.fix === undefined ? '' : `\n     fix: ${c.fix}`}`,
    );
  }
  if (r.status === 'dry-run') {
    lines.push('', r.preflight?.ok === true ? 'preflight passed: ready to cut over' : 'preflight FAILED');
    return lines.join('\n');
  }
  if (r.status === 'already') {
    return `already cut over at ${r.fenceAt ?? '?'} (fence ${r.fenceMs ?? '?'} ms, LSN ${r.lsn ?? '?'}, changelog seq ${r.seq ?? '?'})`;
  }
  for (const s of r.sequences) lines.push(`setval ${s.table}.${s.column} = ${s.value}`);
  for (const d of r.foreignKeys?.dangling ?? []) {
    lines.push(
      `foreign key ${d.constraint} on ${d.table} stays NOT VALID: ${d.rows} rows point at no ${d.references} row`,
    );
  }
  lines.push(
    `drained ${r.drained?.events ?? 0} events inside the fence; final check: ${r.checksum?.keysChecked ?? 0} keys and ${r.checksum?.tables.length ?? 0} row counts equal`,
    `cut over at ${r.fenceAt}: fence window ${r.fenceMs} ms; reverse replication starts after ${r.lsn}`,
    'point the application at PostgreSQL (DATABASE_URL); `litebridge status` shows reverse replication',
  );
  return lines.join('\n');
}

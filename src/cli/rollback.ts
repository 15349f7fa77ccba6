import { loadConfig } from '../config/load.js';
import { type RollbackResult, runRollback } from '../cutover/run-rollback.js';
import { type CommandSpec, configFlags, connectionOptions } from './command.js';

/** `litebridge rollback`: bring the application back to SQLite after a cutover. */
export const rollbackCommand: CommandSpec = {
  name: 'rollback',
  summary: 'drain reverse replication, drop the fence and resume forward sync (after a cutover)',
  help: `
Point the application back at SQLite first (its writes fail on the fence until rollback is done).
Rollback locks the target tables in PostgreSQL (writes there wait), takes the current WAL
position, lets the running sync stop streaming, applies every PostgreSQL transaction up to that
position to SQLite, drops the fence, releases the locks and drops the slot and publication. The
running sync then goes on forward from the switch's checkpoint. Writes that reach PostgreSQL
after the locks are released are not copied back (drift-report shows them).

Also undoes an interrupted cutover (fence or slot left behind while the phase is still forward).

Exit status: 0 rolled back (or nothing to do), 2 error.`,
  configure(command) {
    connectionOptions(command);
    command.option('--lock-wait <ms>', 'how long to try for the table locks', '30000');
  },
  async run(flags, log) {
    const config = loadConfig(configFlags(flags));
    const result = await runRollback(config, log, { lockWaitMs: Number(flags.lockWait) });
    return { status: 'ok', result, text: render(result) };
  },
};

function render(r: RollbackResult): string {
  switch (r.status) {
    case 'nothing':
      return 'nothing to roll back: sync runs forward';
    case 'undone':
      return 'an interrupted cutover was undone: the fence is down and the slot dropped; sync runs forward';
    default:
      return [
        `rolled back in ${r.ms} ms: SQLite has every PostgreSQL transaction up to ${r.lsn} (${r.transactions} applied by this drain)`,
        `the fence is down; forward sync resumes from checkpoint ${r.checkpoint}`,
      ].join('\n');
  }
}

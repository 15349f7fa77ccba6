import { loadConfig } from '../config/load.js';
import { type FinishResult, runFinish } from '../cutover/run-finish.js';
import { type CommandSpec, configFlags, connectionOptions } from './command.js';

/** `litebridge finish`: end a successful cutover. */
export const finishCommand: CommandSpec = {
  name: 'finish',
  summary: 'after a cutover: drop the slot and publication, remove capture from SQLite (the fence stays)',
  help: `
Stops the running sync (it exits 0), drains reverse replication one last time so the SQLite file
is a complete backup as of now, drops the replication slot and the publication, and removes the
capture triggers, the changelog and litebridge's other tables from the SQLite file. The write
fence stays and refuses every write from now on, so an application still configured for SQLite
cannot write to the old file by mistake (\`litebridge uninstall\` removes it). Rollback is no
longer possible afterwards.

Exit status: 0 finished (or already finished), 2 error.`,
  configure(command) {
    connectionOptions(command);
  },
  async run(flags, log) {
    const config = loadConfig(configFlags(flags));
    const result = await runFinish(config, log);
    return { status: 'ok', result, text: render(result) };
  },
};

function render(r: FinishResult): string {
  if (r.status === 'already') return 'the cutover was already finished';
  return [
    `finished: the SQLite file holds PostgreSQL's changes up to ${r.backupLsn ?? '(slot lost: see the log)'}`,
    `slot and publication dropped, capture removed; ${r.fenceTriggers} fence triggers refuse writes to the old file`,
  ].join('\n');
}

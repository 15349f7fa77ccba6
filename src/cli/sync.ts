import { fromEvent, merge, take } from 'rxjs';
import { loadConfig } from '../config/load.js';
import { runSync } from '../pipeline/run-sync.js';
import { type CommandSpec, configFlags, connectionOptions } from './command.js';

/** `litebridge sync`: keep PostgreSQL equal to the live SQLite file until stopped. */
export const syncCommand: CommandSpec = {
  name: 'sync',
  summary: 'capture changes in SQLite and apply them to PostgreSQL continuously (snapshots first if needed)',
  help: `
Installs capture triggers in the SQLite file (they record the key of every changed row in
_litebridge_changelog), snapshots every table if PostgreSQL has no finished snapshot of this file,
then applies the changelog in batches, each in one PostgreSQL transaction together with its
checkpoint: after any crash, sync resumes from PostgreSQL's checkpoint, losing and doubling
nothing. Applied changelog rows are pruned. The file must be in WAL mode.

SIGINT / SIGTERM: the batch in flight is committed, then sync exits 0.

Exit status: 0 stopped cleanly, 2 error (a value PostgreSQL cannot hold names table, key,
column and value; use --on-bad-row=quarantine to keep such rows in litebridge.rejects instead).`,
  configure(command) {
    connectionOptions(command);
    command
      .option('--on-bad-row <mode>', 'stop (default) or quarantine')
      .option('--parallel <n>', 'for the initial snapshot: COPY streams and index builds at once (default 4)')
      .option('--poll <ms>', 'fallback poll interval when no file event arrives', '1000');
  },
  async run(flags, log) {
    const config = loadConfig({
      ...configFlags(flags),
      onBadRow: flags.onBadRow as string | undefined,
      parallel: flags.parallel as string | undefined,
    });
    const shutdown$ = merge(fromEvent(process, 'SIGINT'), fromEvent(process, 'SIGTERM')).pipe(take(1));
    const result = await runSync(config, log, { shutdown$, pollMs: Number(flags.poll) });
    return {
      status: 'ok',
      result,
      text: `sync stopped at checkpoint ${result.checkpoint} after ${result.events} events in ${result.batches} batches`,
    };
  },
};

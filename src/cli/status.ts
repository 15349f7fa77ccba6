import { loadConfig } from '../config/load.js';
import { readStatus, type SyncStatus, waitSynced } from '../pipeline/status.js';
import { type CommandSpec, configFlags, connectionOptions, positiveNumber } from './command.js';

/** `litebridge status`: how far PostgreSQL is behind the SQLite file. */
export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'show the checkpoint, the changelog head, the backlog and the lag of a source',
  help: `
backlog = events captured in SQLite but not yet applied to PostgreSQL (head − checkpoint, counted);
lagMs = age of the oldest of them. Both are unknown (null in --json) until the first snapshot is
done: while it copies, status shows its rows copied, total and ETA instead. caughtUp = snapshot
done, capture installed, backlog 0 and no sync error: what a script waits for before cutover.
Works whether or not sync is running; reads SQLite read-only. A side that cannot be read
(PostgreSQL unreachable, SQLite file missing or unreadable) is an error naming it.

Examples:
  litebridge status --sqlite collector.db --pg postgres://me@db/atc --json
  litebridge status --sqlite collector.db --pg postgres://me@db/atc --wait-synced --timeout 120

Exit status: 0 printed (with --wait-synced: caught up), 2 error (nothing read is shown),
3 --wait-synced: the timeout passed before the source was caught up (the last reading is printed).`,
  configure(command) {
    connectionOptions(command);
    command
      .option(
        '--wal-warn-mb <mb>',
        'after cutover: warn when the reverse slot retains more WAL than this and max_slot_wal_keep_size is unlimited',
        '1024',
      )
      .option(
        '--wait-synced',
        'read again every second until caught up (exit 0), or until --timeout (exit 3)',
      )
      .option('--timeout <seconds>', 'with --wait-synced: how long to wait', '300');
  },
  async run(flags) {
    const mb = Number(flags.walWarnMb ?? 1024);
    const retainedWarnBytes = BigInt(Number.isSafeInteger(mb) && mb > 0 ? mb : 1024) << 20n;
    const config = loadConfig(configFlags(flags));
    if (flags.waitSynced !== true) {
      const status = await readStatus(config, { retainedWarnBytes });
      return { status: 'ok', result: status, text: render(status) };
    }
    const seconds = positiveNumber(flags.timeout, '--timeout', true);
    const { status, timedOut } = await waitSynced(config, { retainedWarnBytes, timeoutMs: seconds * 1000 });
    const text = render(status);
    return timedOut
      ? { status: 'timeout', result: status, text: `${text}\nnot caught up after ${seconds} s` }
      : { status: 'ok', result: status, text };
  },
};

function render(s: SyncStatus): string {
  return [
    `source      ${s.sourceId}`,
    `snapshot    ${snapshotLine(s)}`,
    `capture     ${s.captureInstalled ? 'installed' : 'not installed'}`,
    `checkpoint  ${s.checkpoint ?? '-'}`,
    `head        ${s.head ?? '- (no capture in the file)'}`,
    `backlog     ${s.backlog === null ? `unknown (${unknownWhy(s)})` : `${s.backlog} events`}`,
    `lag         ${s.lagMs === null ? 'unknown' : `${s.lagMs} ms`}`,
    `caught up   ${s.caughtUp ? 'yes' : 'no'}`,
    `applied at  ${s.appliedAt ?? '-'}`,
    ...(s.lastError === null ? [] : [`last error  ${s.lastError} (${s.lastErrorAt})`]),
    ...driftLines(s),
    ...partitionLines(s),
    ...cutoverLines(s),
  ].join('\n');
}

/** The snapshot's state, with rows copied, total and ETA while it copies. */
function snapshotLine(s: SyncStatus): string {
  const p = s.snapshotProgress;
  if (s.snapshot !== 'copying') return s.snapshot;
  if (p === null) return 'copying (no progress recorded yet)';
  const percent = p.rowsTotal === 0 ? 100 : Math.floor((p.rowsCopied / p.rowsTotal) * 100);
  const eta = p.etaSeconds === null ? '?' : `${p.etaSeconds} s`;
  const age = Math.max(0, Math.round((Date.now() - Date.parse(p.updatedAt)) / 1000));
  return `copying: ${p.rowsCopied} of ${p.rowsTotal} rows (${percent}%), ETA ${eta} (recorded ${age} s ago)`;
}

/** Why the backlog is unknown. */
function unknownWhy(s: SyncStatus): string {
  if (s.snapshot !== 'done') return 'the first snapshot is not done';
  if (!s.captureInstalled) return 'no capture in the SQLite file';
  return 'no checkpoint yet';
}

/** One line per table the drift observer has checked. */
function driftLines(s: SyncStatus): string[] {
  if (s.drift.length === 0)
    return ['drift       not checked yet (sync checks a slice every --drift-interval)'];
  return [
    'drift',
    ...s.drift.map((d) => {
      const found = d.missing + d.extra + d.different;
      const what =
        found === 0
          ? 'none'
          : `${d.missing} missing, ${d.extra} extra, ${d.different} different (e.g. ${d.sample.slice(0, 3).join('; ')})`;
      return `  ${d.table}: ${what}; ${d.chunksChecked}/${d.chunksTotal} chunks at ${d.checkedAt.toISOString()}`;
    }),
  ];
}

/** Per partitioned table: the horizon and DEFAULT rows, and a warning when sync falls behind. */
function partitionLines(s: SyncStatus): string[] {
  if (s.partitions.length === 0) return [];
  return [
    'partitions',
    ...s.partitions.map(
      (p) =>
        `  ${p.table}: horizon ${p.horizonIntervals ?? '-'} intervals ahead, DEFAULT ${p.defaultRows} rows (${p.defaultRowsInRange} inside the range)` +
        (p.warning === null ? '' : `; WARNING: ${p.warning}`),
    ),
  ];
}

/** The cutover phase and, after cutover, reverse replication's slot (with its warning). */
function cutoverLines(s: SyncStatus): string[] {
  const at = s.cutoverAt === null ? '' : ` (cut over at ${s.cutoverAt}, fence ${s.fenceMs ?? '?'} ms)`;
  const lines = [`phase       ${s.phase}${at}`];
  if (s.fenced) lines.push('fence       up: the application cannot write to the SQLite file');
  if (s.slot !== null) {
    lines.push(
      `reverse     ${s.slot.active ? 'streaming' : 'not streaming'} from slot ${s.slot.slot}; SQLite at ${s.reverseLsn ?? '-'}`,
      `slot lag    ${s.slot.lagBytes} bytes of WAL not in SQLite yet; ${s.slot.retainedBytes ?? '-'} bytes retained (${s.slot.walStatus ?? '-'})`,
    );
    if (s.slot.warning !== null) lines.push(`WARNING     ${s.slot.warning}`);
  }
  return lines;
}

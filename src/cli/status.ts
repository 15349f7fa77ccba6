import { loadConfig } from '../config/load.js';
import { readStatus, type SyncStatus } from '../pipeline/status.js';
import { type CommandSpec, configFlags, connectionOptions } from './command.js';

/** `litebridge status`: how far PostgreSQL is behind the SQLite file. */
export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'show the checkpoint, the changelog head, the backlog and the lag of a source',
  help: `
backlog = events captured in SQLite but not yet applied to PostgreSQL (head − checkpoint, counted);
lagMs = age of the oldest of them. Works whether or not sync is running; reads SQLite read-only.

Exit status: 0 printed, 2 error.`,
  configure(command) {
    connectionOptions(command);
    command.option(
      '--wal-warn-mb <mb>',
      'after cutover: warn when the reverse slot retains more WAL than this and max_slot_wal_keep_size is unlimited',
      '1024',
    );
  },
  async run(flags) {
    const mb = Number(flags.walWarnMb ?? 1024);
    const retainedWarnBytes = BigInt(Number.isSafeInteger(mb) && mb > 0 ? mb : 1024) << 20n;
    const status = await readStatus(loadConfig(configFlags(flags)), { retainedWarnBytes });
    return { status: 'ok', result: status, text: render(status) };
  },
};

function render(s: SyncStatus): string {
  return [
    `source      ${s.sourceId}`,
    `snapshot    ${s.snapshot}`,
    `capture     ${s.captureInstalled ? 'installed' : 'not installed'}`,
    `checkpoint  ${s.checkpoint ?? '-'}`,
    `head        ${s.head ?? '- (no capture in the file)'}`,
    `backlog     ${s.backlog} events`,
    `lag         ${s.lagMs} ms`,
    `applied at  ${s.appliedAt ?? '-'}`,
    ...(s.lastError === null ? [] : [`last error  ${s.lastError} (${s.lastErrorAt})`]),
    ...driftLines(s),
    ...cutoverLines(s),
  ].join('\n');
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

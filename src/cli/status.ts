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
  },
  async run(flags) {
    const status = await readStatus(loadConfig(configFlags(flags)));
    return { status: 'ok', result: status, text: render(status) };
  },
};

function render(s: SyncStatus): string {
  return [
    `source      ${s.sourceId}`,
    `snapshot    ${s.snapshot}`,
    `capture     ${s.captureInstalled ? 'installed' : 'not installed'}`,
    `checkpoint  ${s.checkpoint ?? '-'}`,
    `head        ${s.head}`,
    `backlog     ${s.backlog} events`,
    `lag         ${s.lagMs} ms`,
    `applied at  ${s.appliedAt ?? '-'}`,
    ...(s.lastError === null ? [] : [`last error  ${s.lastError} (${s.lastErrorAt})`]),
    ...driftLines(s),
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

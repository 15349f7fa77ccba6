import { int } from './harness.js';
import type { ToolResult } from './loaders.js';
import { describeMachine, type MachineInfo } from './machine.js';

/** How litebridge compares with another loader (>1: litebridge is faster / lighter). */
export interface Ratio {
  readonly versus: string;
  /** Other loader's wall time / litebridge's. */
  readonly speedup: number;
  /** Other loader's peak RSS / litebridge's (null when the other has no process of its own). */
  readonly memory: number | null;
}

/** Ratios of litebridge against each loader that also finished. */
export function ratios(results: readonly ToolResult[]): Ratio[] {
  const lb = results.find((r) => r.tool === 'litebridge' && r.wallMs !== undefined);
  if (lb?.wallMs === undefined || lb.peakRssMb === undefined) return [];
  return results
    .filter((r) => r.tool !== 'litebridge' && r.wallMs !== undefined)
    .map((r) => ({
      versus: r.tool,
      speedup: r.wallMs! / lb.wallMs!,
      memory: r.peakRssMb === undefined ? null : r.peakRssMb / lb.peakRssMb!,
    }));
}

const TOOL_LABEL: Record<string, string> = {
  litebridge: 'litebridge snapshot',
  pgloader: 'pgloader (defaults)',
  'pg-floor': "PostgreSQL alone: litebridge's COPY data from files, the same keys",
  'pgloader-cast': 'pgloader (CAST smallint to integer)',
  csv: 'sqlite3 -csv \\| psql \\copy',
  'csv-keys': 'sqlite3 -csv \\| psql \\copy, then the same keys and indexes',
};

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** Wall time; with several rounds, the median's and the spread of all. */
function wallCell(r: ToolResult): string {
  if (r.wallMs === undefined) return '–';
  if (r.rounds === undefined || r.rounds.length < 2) return `${seconds(r.wallMs)} s`;
  const sorted = [...r.rounds].sort((a, b) => a - b);
  return `${seconds(r.wallMs)} s (median of ${sorted.length}: ${seconds(sorted[0]!)}–${seconds(sorted.at(-1)!)} s)`;
}

/** `loader s + server s`, or – when not measured. */
function cpuCell(r: ToolResult): string {
  if (r.cpuSeconds === undefined) return '–';
  const server =
    r.serverCpuSeconds === null || r.serverCpuSeconds === undefined ? '?' : r.serverCpuSeconds.toFixed(1);
  return `${r.cpuSeconds.toFixed(1)} s + ${server} s`;
}

function realCell(r: ToolResult): string {
  if (r.realCheck === undefined) return '';
  if (r.realCheck === null) return 'table missing';
  return `${int(r.realCheck.differing)} of ${int(r.realCheck.compared)}`;
}

function checkCell(r: ToolResult): string {
  if (r.status === 'skipped') return r.reason ?? '';
  const parts: string[] = [];
  if (r.status === 'failed') parts.push(`failed: ${r.reason}`);
  const missing = Object.entries(r.rowsPerTable ?? {})
    .filter(([, n]) => n === null)
    .map(([t]) => t);
  if (missing.length > 0) parts.push(`missing tables: ${missing.join(', ')}`);
  const short = Object.entries(r.rowsPerTable ?? {})
    .filter((entry): entry is [string, number] => entry[1] !== null)
    .map(([table, n]) => [table, n, r.expectedPerTable[table] ?? 0] as const)
    .filter(([, n, expected]) => n !== expected)
    .map(([table, n, expected]) => `${table} ${int(n)} of ${int(expected)}`);
  if (short.length > 0) parts.push(`rows differ: ${short.join(', ')}`);
  if (r.verify !== undefined) parts.push(r.verify);
  return parts.join('; ') || 'all rows';
}

/** The Markdown report: machine, workload, one row per loader, ratios. */
export function markdownReport(input: {
  readonly machine: MachineInfo;
  readonly postgres: string;
  readonly rows: number;
  readonly seed: number;
  readonly workloadBytes: number;
  readonly results: readonly ToolResult[];
}): string {
  const { machine, results } = input;
  const lines = [
    `## Snapshot bench: ${int(input.rows)} VATSIM-collector rows (seed ${input.seed})`,
    '',
    `- Date: ${machine.date}`,
    `- Machine: ${describeMachine(machine)}`,
    `- PostgreSQL ${input.postgres}; pgloader: ${machine.pgloader ?? 'not installed'}; sqlite3 CLI ${machine.sqlite3Cli ?? 'not installed'}`,
    `- Source file: ${(input.workloadBytes / 1024 ** 2).toFixed(0)} MiB (10 tables, WAL mode)`,
    '',
    '| loader | wall time | rows/s | CPU: loader + PostgreSQL² | peak RSS | rows loaded | REAL values changed¹ | notes |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of results) {
    lines.push(
      `| ${TOOL_LABEL[r.tool] ?? r.tool} | ${wallCell(r)} | ` +
        `${r.rowsPerSec === undefined ? '–' : int(r.rowsPerSec)} | ${cpuCell(r)} | ` +
        `${r.peakRssMb === undefined ? '–' : `${int(r.peakRssMb)} MiB`} | ` +
        `${r.rowsLoaded === undefined ? '–' : `${int(r.rowsLoaded)} / ${int(r.rowsExpected)}`} | ${realCell(r)} | ${checkCell(r)} |`,
    );
  }
  lines.push(
    '',
    '¹ `traffic_movements.confidence_score` holds full 17-significant-digit doubles; counted are values',
    'that differ from SQLite after the load (the sqlite3 CLI prints REALs with 15 significant digits).',
    "Peak RSS is the loader's own process tree (sampled every 50 ms), not the PostgreSQL server.",
    "² CPU seconds (user + system) of the loader's processes (pg-floor: the bench's own, which",
    'streams the files) and of every PostgreSQL server process meanwhile; with the server busy on',
    'every core, a loader can only be as much slower than the floor as its own CPU adds.',
  );
  const rs = ratios(results);
  if (rs.length > 0) {
    lines.push('');
    for (const r of rs) {
      const speed =
        r.speedup >= 1 ? `${r.speedup.toFixed(2)}× faster` : `${(1 / r.speedup).toFixed(2)}× slower`;
      const memory =
        r.memory === null
          ? ''
          : r.memory >= 1
            ? `, ${r.memory.toFixed(2)}× less peak memory`
            : `, ${(1 / r.memory).toFixed(2)}× more peak memory`;
      lines.push(`- litebridge vs ${TOOL_LABEL[r.versus] ?? r.versus}: ${speed}${memory}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

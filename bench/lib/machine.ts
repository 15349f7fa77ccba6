import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** The machine a bench ran on. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly sqlite3Cli: string | null;
  readonly pgloader: string | null;
  readonly date: string;
}

/** First line of a command's output, or null when the command is missing or fails. */
export function versionOf(command: string, args: readonly string[]): string | null {
  try {
    const out = execFileSync(command, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n')[0]?.trim() || null;
  } catch {
    return null;
  }
}

/** CPU model (from /proc/cpuinfo where it exists), cores, memory, tool versions, date. */
export function machineInfo(): MachineInfo {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line !== undefined) cpu = line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // not Linux: keep what os.cpus() said
  }
  return {
    cpu,
    cores: cpus().length,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    sqlite3Cli: versionOf('sqlite3', ['--version'])?.split(' ')[0] ?? null,
    pgloader: versionOf('pgloader', ['--version']),
    date: new Date().toISOString(),
  };
}

/** The machine as the reports print it: `CPU, N cores, M GiB RAM; Node vX` (without the memory when asked). */
export function describeMachine(m: MachineInfo, memory = true): string {
  return `${m.cpu}, ${m.cores} cores${memory ? `, ${m.memoryGb} GiB RAM` : ''}; Node ${m.node}`;
}

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 when unknown). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * CPU time (user + system, seconds) a process has used so far, from /proc/<pid>/stat (utime and
 * stime; its threads included, its children not). null when the process is gone or not on Linux.
 */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state …: fields after the last ')' start at field 3 (state); utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return null;
  }
}

/** CPU time (seconds) of several processes together (see {@link cpuSeconds}); null when one is gone. */
export function cpuSecondsOf(pids: readonly number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const s = cpuSeconds(pid);
    if (s === null) return null;
    total += s;
  }
  return total;
}

/** utime, stime, cutime and cstime of a process, in seconds; null when it is gone. */
function times(pid: number | 'self'): readonly [number, number, number, number] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const t = clockTicks();
    return [Number(fields[11]) / t, Number(fields[12]) / t, Number(fields[13]) / t, Number(fields[14]) / t];
  } catch {
    return null;
  }
}

/**
 * CPU time (seconds) of this process and of every child it has waited for (a loader it ran and
 * its own waited-for children): the loader's CPU is the difference over its run.
 */
export function ownAndChildrenCpuSeconds(): number {
  const t = times('self');
  return t === null ? 0 : t[0] + t[1] + t[2] + t[3];
}

/**
 * CPU time (seconds) a server has used so far: the postmaster `pid`, the backends it has reaped
 * (its cutime and cstime) and those still running. The difference over a run is the server's
 * CPU for it, backends that ended meanwhile included. null when the process is gone.
 */
export function serverCpuSeconds(pid: number): number | null {
  const own = times(pid);
  if (own === null) return null;
  let total = own[0] + own[1] + own[2] + own[3];
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
    for (const child of children) {
      const t = child === '' ? null : times(Number(child));
      if (t !== null) total += t[0] + t[1];
    }
  } catch {
    // no children file: the reaped ones still count
  }
  return total;
}

/** A `kB` field of /proc/<pid>/status (`VmRSS`, `VmHWM`), in kB; null when the process is gone or not on Linux. */
export function statusKb(pid: number | 'self', field: string): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match === null ? null : Number(match[1]);
  } catch {
    return null;
  }
}

/**
 * Peak resident memory of this process since the last {@link resetOwnPeakRss}, MiB: Linux's VmHWM,
 * which `/proc/self/clear_refs` resets, so each phase of a bench gets its own peak even when it runs
 * synchronously (no timer could sample it). Elsewhere: the process's lifetime peak.
 */
export function ownPeakRssMb(): number {
  const hwm = statusKb('self', 'VmHWM');
  return hwm === null ? process.resourceUsage().maxRSS / 1024 : hwm / 1024;
}

/** Starts a new peak for {@link ownPeakRssMb}. */
export function resetOwnPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux, or not allowed: the peak stays the lifetime peak
  }
}

/**
 * In WAL mode a database is three files that every process must share: the file, and its
 * `-wal` and `-shm` beside it (same directory, same host). A file mounted into a container alone
 * (`-v ./app.db:/data/app.db`) has its own mount: the container's `-wal`/`-shm` are new files in
 * the container's directory, so it reads the database without the commits still in the
 * application's WAL, and writes a WAL the application never reads. This module detects that
 * before SQLite opens (and creates) anything.
 */
import { closeSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { BridgeError } from '../errors.js';

/** Where a database file sits, as far as its `-wal` and `-shm` are concerned. */
export interface FilePlacement {
  /** The file's header says WAL mode (bytes 18 and 19 are 2). */
  readonly walMode: boolean;
  /** Device of the file and of its directory: they differ when the file is a mount of its own. */
  readonly fileDevice: number;
  readonly directoryDevice: number;
  /** The file's real path is a mount point in this process's mount table (a bind mount of the file). */
  readonly mountPoint: boolean;
}

/**
 * The decision: a WAL-mode file that is a mount of its own (its device differs from its
 * directory's, or it is a mount point) cannot share `-wal`/`-shm` with the application. Returns
 * the BAD_STATE error naming the fix, or null when the placement is fine.
 */
export function sidecarProblem(path: string, placement: FilePlacement): BridgeError | null {
  if (!placement.walMode) return null;
  if (!placement.mountPoint && placement.fileDevice === placement.directoryDevice) return null;
  return new BridgeError(
    'BAD_STATE',
    `SQLite file ${path} is mounted on its own, without its directory: in WAL mode its -wal and -shm files beside it would not be the application's`,
    {
      details: { path, fileDevice: placement.fileDevice, directoryDevice: placement.directoryDevice },
      hint: "mount the database's directory instead of the file (docker compose: `- /srv/collector:/data`, SQLITE_PATH=/data/<file>), on the same host as the application",
    },
  );
}

/** Whether `path` is a mount point in a `/proc/self/mountinfo` text (field 5, octal escapes). */
export function isMountPoint(mountinfo: string, path: string): boolean {
  return mountinfo.split('\n').some((line) => {
    const field = line.split(' ')[4];
    if (field === undefined) return false;
    return (
      field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8))) ===
      path
    );
  });
}

/** Reads the placement of an existing file (header, devices, mount table); null when it cannot be read. */
export function inspectPlacement(path: string): FilePlacement | null {
  let real: string;
  const header = Buffer.alloc(20);
  try {
    real = realpathSync(path);
    const fd = openSync(real, 'r');
    try {
      if (readSync(fd, header, 0, 20, 0) < 20) return null;
    } finally {
      closeSync(fd);
    }
  } catch {
    return null; // missing or unreadable: opening it reports that
  }
  if (header.toString('latin1', 0, 15) !== 'SQLite format 3') return null;
  let mountinfo = '';
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    // not Linux: the devices alone tell
  }
  return {
    walMode: header[18] === 2 && header[19] === 2,
    fileDevice: statSync(real).dev,
    directoryDevice: statSync(dirname(real)).dev,
    mountPoint: isMountPoint(mountinfo, real),
  };
}

/** Throws `sidecarProblem`'s error for `path`, if any (see the module comment). */
export function requireSharedSidecars(path: string): void {
  const placement = inspectPlacement(path);
  const problem = placement === null ? null : sidecarProblem(path, placement);
  if (problem !== null) throw problem;
}

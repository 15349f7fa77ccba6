/**
 * Which file a long-running connection has open. SQLite keeps reading and writing the file it
 * opened even when another file takes its name (a backup restored with `mv`, a deploy that
 * replaces the database): sync would then follow a file nobody writes, and reverse replication
 * write where nobody reads. Sync compares the name's file with the one it opened before each batch.
 */
import { statSync } from 'node:fs';
import { BridgeError } from '../errors.js';

/** A file as the file system identifies it: device and inode. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** The identity of the file at `path` now (null when nothing is there). */
export function fileIdentity(path: string): FileIdentity | null {
  try {
    const { dev, ino } = statSync(path);
    return { dev, ino };
  } catch {
    return null;
  }
}

/**
 * Throws BAD_STATE when `path` no longer names the file `opened` (replaced, renamed or removed).
 * `opened` null (the file could not be stat'ed when opened) checks nothing.
 */
export function requireSameFile(path: string, opened: FileIdentity | null): void {
  if (opened === null) return;
  const now = fileIdentity(path);
  if (now !== null && now.dev === opened.dev && now.ino === opened.ino) return;
  throw new BridgeError(
    'BAD_STATE',
    now === null
      ? `the SQLite file ${path} was removed or renamed while litebridge had it open`
      : `the SQLite file ${path} was replaced by another file while litebridge had it open`,
    {
      details: { path },
      hint: 'start sync again: it opens the file that now has this name and checks it against PostgreSQL (a restored older copy needs `litebridge snapshot --replace`)',
    },
  );
}

import { execFile } from 'node:child_process';
import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import {
  chmod,
  chown,
  copyFile,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readlink,
  rm,
  stat,
  symlink,
  unlink,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { BridgeError } from '../errors.js';

/** The system user a root process runs PostgreSQL as (PostgreSQL refuses to run as root). */
export interface ServerUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** Where one embedded server's files are, and who runs it. */
export interface ServerFiles {
  /** The cluster's folder as the server sees it (a private folder when the asked one is out of its user's reach). */
  readonly dataDir: string;
  /** The folder holding `bin/`, `lib/` and `share/` of the PostgreSQL the server runs. */
  readonly installDir: string;
  /** null: the server runs as this process's user. */
  readonly user: ServerUser | null;
  /** A folder the server's user can enter, for files it reads once (initdb's password file). */
  readonly scratchDir: string;
  /** Removes what was made for this run (linked binaries); with `data`, the cluster too. */
  dispose(data: boolean): Promise<void>;
}

const PRIVATE_PREFIX = 'litebridge-pg-';
const SERVER_USER = 'postgres';

/**
 * Finds (or makes) places for a server's data and binaries that its user can reach. Not root:
 * everything stays where it is asked to be, the server runs as this user. Root: the server runs
 * as `postgres` (created when missing); a data folder under a folder it cannot enter (root's
 * home is 0700) moves to a private folder in the temporary directory (owned by root, mode 0711:
 * enterable, not listable), with a symbolic link left at the asked path so the next run finds
 * it; binaries it cannot reach are hard-linked (or copied) there too. No folder of the user's
 * is opened up.
 */
export async function serverFiles(asked: string, packageInstallDir: string): Promise<ServerFiles> {
  const dataDir = resolve(asked);
  const user = await serverUser();
  if (user === null) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    return inPlace(dataDir, packageInstallDir, null, null);
  }
  await mkdir(dirname(dataDir), { recursive: true });
  let privateDir = existingPrivateDir(dataDir, user);
  if (privateDir === null) {
    const link = lstatSync(dataDir, { throwIfNoEntry: false })?.isSymbolicLink() === true;
    // A link to a private folder the temporary directory lost (a reboot): start afresh. Any
    // other link is the operator's and is followed.
    if (link && !existsSync(dataDir)) await unlink(dataDir);
    if (canEnter(dirname(existsSync(dataDir) ? realpathSync(dataDir) : dataDir), user)) {
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      await ownedBy(dataDir, user);
    } else {
      await refuseStrandedCluster(dataDir);
      privateDir = await makePrivateDir(user);
      const data = join(privateDir, 'data');
      await mkdir(data, { mode: 0o700 });
      await chown(data, user.uid, user.gid);
      await symlink(data, dataDir);
    }
  }
  if (privateDir === null) return inPlace(dataDir, packageInstallDir, user, null);
  return inPlace(realpathSync(dataDir), packageInstallDir, user, privateDir, dataDir);
}

/** The files of a server whose data folder is settled; binaries linked when out of reach. */
async function inPlace(
  dataDir: string,
  packageInstallDir: string,
  user: ServerUser | null,
  privateDir: string | null,
  link: string = dataDir,
): Promise<ServerFiles> {
  let installDir = packageInstallDir;
  let madeForRun: string | null = null;
  if (user !== null && !['bin', 'lib', 'share'].every((d) => canEnter(join(packageInstallDir, d), user))) {
    // Binaries under a folder the server's user cannot enter (a clone in root's home).
    const home = privateDir ?? (madeForRun = await makePrivateDir(user));
    installDir = join(home, 'install');
    await rm(installDir, { recursive: true, force: true });
    await linkTree(packageInstallDir, installDir);
  }
  const scratchDir = privateDir ?? dirname(dataDir);
  return {
    dataDir,
    installDir,
    user,
    scratchDir,
    dispose: async (data) => {
      if (madeForRun !== null) await rm(madeForRun, { recursive: true, force: true });
      if (!data) return;
      if (privateDir !== null) {
        await rm(privateDir, { recursive: true, force: true });
        await rm(link, { force: true });
      } else {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The private folder behind a link left by an earlier run: a folder owned by root that nobody
 * else may write, holding a `data` folder owned by the server's user. Anything else is not ours.
 */
function existingPrivateDir(dataDir: string, user: ServerUser): string | null {
  if (lstatSync(dataDir, { throwIfNoEntry: false })?.isSymbolicLink() !== true) return null;
  let target: string;
  try {
    target = realpathSync(dataDir);
  } catch {
    return null; // dangling
  }
  const parent = dirname(target);
  const p = statSync(parent);
  const d = statSync(target);
  const ours = p.uid === 0 && (p.mode & 0o022) === 0 && d.isDirectory() && d.uid === user.uid;
  return ours ? parent : null;
}

/** A cluster left in a folder the server's user cannot reach: moving it is the operator's call. */
async function refuseStrandedCluster(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new BridgeError(
      'TARGET',
      `the PostgreSQL data folder ${dataDir} is in a folder the "${SERVER_USER}" user cannot enter`,
      {
        details: { dataDir },
        hint: 'move the data folder to a place the postgres user can reach, or remove it to start afresh (the demo makes a new one)',
      },
    );
  }
  await rm(dataDir, { recursive: true, force: true });
}

/** A fresh folder in the temporary directory, owned by root, that the server's user can enter. */
async function makePrivateDir(user: ServerUser): Promise<string> {
  const base = [tmpdir(), '/tmp'].find((dir) => canEnter(dir, user));
  if (base === undefined) {
    throw new BridgeError(
      'TARGET',
      `the "${SERVER_USER}" user cannot enter the temporary directory ${tmpdir()}`,
      {
        hint: 'set TMPDIR to a folder every user may enter (such as /tmp), or run as a user other than root',
      },
    );
  }
  const dir = await mkdtemp(join(base, PRIVATE_PREFIX));
  await chmod(dir, 0o711);
  return dir;
}

/**
 * True when `user` may enter `dir` and every folder above it, read from the mode bits (access
 * lists are not read: a folder they open is only taken for closed, which costs a private folder).
 */
export function canEnter(dir: string, user: ServerUser): boolean {
  let path: string;
  try {
    path = realpathSync(dir);
  } catch {
    return false;
  }
  for (;;) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st === undefined) return false;
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
    const parent = dirname(path);
    if (parent === path) return true;
    path = parent;
  }
}

/** As root: the `postgres` user, created when missing. Otherwise null. */
async function serverUser(): Promise<ServerUser | null> {
  if (process.getuid?.() !== 0) return null;
  const found = await userIds(SERVER_USER);
  if (found !== null) return found;
  try {
    await run('groupadd', ['-f', '--system', SERVER_USER]);
    await run('useradd', ['--system', '-g', SERVER_USER, '--no-create-home', SERVER_USER]);
  } catch (error) {
    throw new BridgeError(
      'TARGET',
      `PostgreSQL cannot run as root, and creating a "${SERVER_USER}" user failed`,
      {
        cause: error,
        details: { error: (error as Error).message },
        hint: `create the user (useradd --system ${SERVER_USER}), or run as a user other than root`,
      },
    );
  }
  const created = await userIds(SERVER_USER);
  if (created === null)
    throw new BridgeError('TARGET', `the "${SERVER_USER}" user was created but cannot be found`);
  return created;
}

async function userIds(name: string): Promise<ServerUser | null> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number.parseInt(uid, 10), gid: Number.parseInt(gid, 10) };
  } catch {
    return null;
  }
}

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(command, args, (error, stdout) => (error ? reject(error) : resolveRun(stdout)));
  });
}

/** `path` (just made by root) handed to the server's user. */
async function ownedBy(path: string, user: ServerUser): Promise<void> {
  const st = await stat(path);
  if (st.uid !== user.uid) await chown(path, user.uid, user.gid);
}

/** Copies a folder tree as hard links (same file system) or copies, keeping symbolic links. */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o755 });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) await linkTree(source, target);
    else if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else
      await link(source, target).catch(() => copyFile(source, target).then(() => chmodLike(source, target)));
  }
}

async function chmodLike(source: string, target: string): Promise<void> {
  await chmod(target, (await stat(source)).mode & 0o777);
}

/**
 * Removes a stopped server's data folder for good: the folder, or the link and the private
 * folder behind it (only when it is one of ours; see `existingPrivateDir`).
 */
export async function removeServerFiles(asked: string): Promise<void> {
  const dataDir = resolve(asked);
  const user = await serverUser();
  const privateDir = user === null ? null : existingPrivateDir(dataDir, user);
  if (privateDir !== null) await rm(privateDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
}

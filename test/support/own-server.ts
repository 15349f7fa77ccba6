import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import {
  type EmbeddedPostgresOptions,
  type EmbeddedServer,
  freePort,
  removeEmbeddedData,
  startEmbeddedPostgres,
} from '../../src/pg/embedded-server.js';

/** A PostgreSQL of one test file's own, for tests that stop, restart or crash it. */
export interface OwnServer {
  /** A private folder of the test file's (mode 0700, as anyone's), removed with the server. */
  readonly folder: string;
  /** The server's data folder (inside `folder`, or a link from there; see `startEmbeddedPostgres`). */
  readonly dataDir: string;
  /** Starts the server, or starts it again on the same data and port. */
  start(): Promise<EmbeddedServer>;
  /** The last started server. */
  current(): EmbeddedServer | undefined;
}

/**
 * Call at the top of a test file: a server of its own (restarting the suite's shared server
 * would disturb the other test files), stopped and removed, data and all, when the file is done.
 */
export function useOwnServer(
  prefix: string,
  options: Omit<EmbeddedPostgresOptions, 'dataDir' | 'port'> = {},
): OwnServer {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(folder, 'pg');
  let port: number | undefined;
  let server: EmbeddedServer | undefined;
  afterAll(async () => {
    await server?.stop();
    await removeEmbeddedData(dataDir);
    rmSync(folder, { recursive: true, force: true });
  });
  return {
    folder,
    dataDir,
    start: async () => {
      port ??= await freePort();
      server = await startEmbeddedPostgres({ ...options, dataDir, port });
      return server;
    },
    current: () => server,
  };
}

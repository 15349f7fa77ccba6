import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/pg/embedded-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the PostgreSQL the tests run against (its `postgres` database). */
    pgAdminUrl: string;
  }
}

/**
 * vitest globalSetup: one PostgreSQL for the whole run. `LITEBRIDGE_TEST_PG_URL` (a superuser URL of
 * a server with wal_level=logical) is used as it is; otherwise a throwaway embedded PostgreSQL is
 * started in a temporary folder on a free port, and stopped and removed at teardown.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.LITEBRIDGE_TEST_PG_URL;
  if (external !== undefined && external !== '') {
    project.provide('pgAdminUrl', external);
    return undefined;
  }
  const root = await mkdtemp(join(tmpdir(), 'litebridge-test-pg-'));
  // A private folder (0700), as any user's: when the run is root, the server's files go where
  // the `postgres` user can reach them by themselves.
  try {
    const server = await startEmbeddedPostgres({
      dataDir: join(root, 'data'),
      persistent: false,
      throwaway: true,
      extraFlags: ['-c', 'max_connections=200'],
    });
    project.provide('pgAdminUrl', server.url());
    return async () => {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

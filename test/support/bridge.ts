import type { ConfigFlags } from '../../src/config/load.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { runSnapshot, type SnapshotResult } from '../../src/pipeline/snapshot.js';
import { runVerify, type VerifyResult } from '../../src/verify/verify.js';

/** Runs `snapshot` in this process, as the CLI would, with logs off. */
export function snapshot(sqlite: string, pg: string, flags: ConfigFlags = {}): Promise<SnapshotResult> {
  const config = loadConfig({ sqlite, pg, ...flags }, {});
  return runSnapshot(config, silentLogger, { tty: null });
}

/** Runs `verify` in this process, as the CLI would, with logs off. */
export function verify(
  sqlite: string,
  pg: string,
  flags: ConfigFlags = {},
  table?: string,
): Promise<VerifyResult> {
  const config = loadConfig({ sqlite, pg, ...flags }, {});
  return runVerify(config, silentLogger, table);
}

/** Waiting for the running sync to let go of the reverse replication slot. */
import { BridgeError } from '../errors.js';
import type { PgPool } from './pool.js';
import { slotStatus } from './replication.js';

/**
 * Resolves once no process streams the source's slot (a running sync saw the phase change and
 * stopped reverse replication), or when there is no slot. BAD_STATE after `waitMs`.
 */
export async function waitForIdleSlot(pool: PgPool, sourceId: string, waitMs: number): Promise<void> {
  const end = Date.now() + waitMs;
  for (;;) {
    const status = await slotStatus(pool, sourceId);
    if (status === null || !status.active) return;
    if (Date.now() >= end) {
      throw new BridgeError(
        'BAD_STATE',
        `replication slot "${status.slot}" is still streamed by another process`,
        {
          details: { slot: status.slot },
          hint: 'a sync that does not follow the cutover phase holds it: stop that process, then run the command again',
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

import pg from 'pg';
import { expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { createPool } from '../../src/pg/pool.js';
import { slotStatus } from '../../src/pg/replication.js';
import { runReverse } from '../../src/reverse/run-reverse.js';
import { cutOverFile } from '../fault/reverse-setup.js';

// A server of its own: it keeps at most 1 MB of WAL for slots, so a slot is lost quickly.
const own = useOwnServer('litebridge-slot-lost-', {
  throwaway: true,
  extraFlags: ['-c', 'max_slot_wal_keep_size=1MB'],
});

it('reports a lost slot in status and stops reverse replication with a clear message', async () => {
  const url = (await own.start()).url('postgres');
  const config = await cutOverFile(url, 'lost', 10);
  const pool = createPool(url, { max: 1 });
  try {
    const before = await slotStatus(pool, config.sourceId);
    expect(before).toMatchObject({ active: false, walStatus: 'reserved', warning: null });
    expect(before!.safeWalSize).not.toBeNull();

    // Changes the slot keeps, then more WAL than the server will retain for it.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("UPDATE big SET payload = 'after cutover' WHERE id = 1");
    for (let i = 0; i < 4; i++) {
      await client.query('INSERT INTO late (n) SELECT g FROM generate_series(1, 2000) g');
      await client.query('SELECT pg_switch_wal()');
    }
    await client.query('CHECKPOINT');
    await client.end();

    const after = await slotStatus(pool, config.sourceId);
    expect(after).toMatchObject({ walStatus: 'lost', retainedBytes: null });
    expect(after!.warning).toMatch(/replication slot "litebridge_rev_lost_\w+" is lost/);
  } finally {
    await pool.end();
  }
  await expect(runReverse(config, silentLogger)).rejects.toMatchObject({
    code: 'BAD_STATE',
    message: expect.stringMatching(
      /replication slot "litebridge_rev_lost_\w+" is lost: .*SQLite has PostgreSQL's changes up to/,
    ),
  });
});

import { useOwnServer } from '../support/own-server.js';

import { it } from 'vitest';
import { partitionScenario } from '../support/partition-scenario.js';
import { useTestDatabase } from '../support/pg.js';

const db = useTestDatabase();
process.env.LITEBRIDGE_LOG_LEVEL = 'silent';

it('keeps partitions ahead through sync, --maintain and cutover: no in-range row in DEFAULT, no cascade in SQLite', async () => {
  await partitionScenario(db, 'keep');
}, 180_000);

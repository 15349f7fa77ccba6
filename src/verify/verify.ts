import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { countRejects } from '../pg/metadata.js';
import { createPool, ping } from '../pg/pool.js';
import { introspect } from '../schema/introspect.js';
import { translate } from '../schema/translate.js';
import { openSqlite } from '../sqlite/open.js';
import { ReadSnapshot } from '../sqlite/snapshot-read.js';
import { compareTable, type TableComparison } from './compare.js';

export interface VerifyResult {
  readonly equal: boolean;
  readonly tables: readonly (TableComparison & { readonly quarantined: number })[];
  readonly ms: number;
}

/**
 * Row counts and a full value comparison of every replicated table, read from one SQLite
 * snapshot. Quarantined rows (litebridge.rejects) are missing in PostgreSQL, so they count
 * as differences.
 */
export async function runVerify(config: Config, log: Logger, only?: string): Promise<VerifyResult> {
  const started = Date.now();
  const db = openSqlite(config.sqlitePath);
  const pool = createPool(config.pgUrl, { max: 2, applicationName: 'litebridge verify' });
  const snapshot = new ReadSnapshot(db);
  try {
    await ping(pool);
    const source = introspect(db);
    const target = translate(source, config);
    const quarantined = await countRejects(pool, config.sourceId);
    snapshot.begin();
    const tables: VerifyResult['tables'][number][] = [];
    for (const table of target.tables) {
      if (only !== undefined && table.source !== only) continue;
      const comparison = await compareTable(
        db,
        pool,
        source.tables.find((s) => s.name === table.source)!,
        table,
      );
      const entry = { ...comparison, quarantined: quarantined.get(table.source) ?? 0 };
      log[entry.equal ? 'info' : 'warn'](
        {
          table: entry.table,
          sqliteRows: entry.sqliteRows,
          pgRows: entry.pgRows,
          missing: entry.missingCount,
          extra: entry.extraCount,
          different: entry.differentCount,
        },
        entry.equal ? 'table equal' : 'table differs',
      );
      tables.push(entry);
    }
    return { equal: tables.every((t) => t.equal), tables, ms: Date.now() - started };
  } finally {
    snapshot.end();
    db.close();
    await pool.end();
  }
}

import type { Config } from '../config/config.js';
import { BridgeError } from '../errors.js';
import type { SourceRecord } from './metadata.js';

/**
 * Refuses to treat PostgreSQL's record of another SQLite file as this one's: two files with the
 * same base name would otherwise share a checkpoint. `--replace` starts the source over.
 */
export function checkSourceOwner(record: SourceRecord | null, config: Config): void {
  if (record === null || config.replace) return;
  if (record.sqlitePath !== config.sqlitePath || record.targetSchema !== config.schema) {
    throw new BridgeError(
      'BAD_STATE',
      `source id "${config.sourceId}" already names ${record.sqlitePath} (schema ${record.targetSchema}) in PostgreSQL`,
      {
        hint: `pass --source-id to give ${config.sqlitePath} its own name, or --replace to start this source over`,
      },
    );
  }
}

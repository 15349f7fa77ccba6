import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import type { TargetTable } from '../../src/model/target-schema.js';
import { buildTableKeys } from '../../src/pg/post-data.js';
import { SnapshotForeignKeys } from '../../src/pg/snapshot-foreign-keys.js';
import { runSnapshot } from '../../src/pipeline/snapshot.js';
import { createTableSql } from '../../src/schema/ddl.js';
import { introspect } from '../../src/schema/introspect.js';
import { translate } from '../../src/schema/translate.js';
import { useBridgePool, useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();
const pool = useBridgePool(db);

/** lookup ← big → other, big ← late; `big` has one row without a lookup and one without an other. */
const SCHEMA = `
  CREATE TABLE lookup (id INTEGER PRIMARY KEY, name TEXT);
  CREATE TABLE other (id INTEGER PRIMARY KEY);
  CREATE TABLE big (id INTEGER PRIMARY KEY, lookup_id INTEGER REFERENCES lookup(id), other_id INTEGER REFERENCES other(id));
  CREATE TABLE late (id INTEGER PRIMARY KEY, big_id INTEGER REFERENCES big(id));
`;

function sourceFile(bigRows: number): string {
  const path = tempSqlite();
  const s = new Database(path);
  s.pragma('journal_mode = WAL');
  s.pragma('foreign_keys = OFF'); // like the collector: declared, never enforced
  s.exec(SCHEMA);
  s.exec("INSERT INTO lookup VALUES (1, 'a'), (2, 'b')");
  s.exec('INSERT INTO other VALUES (1)');
  const insert = s.prepare('INSERT INTO big VALUES (?, ?, ?)');
  s.transaction(() => {
    for (let i = 1; i <= bigRows; i++) insert.run(i, i === 7 ? 9 : 1 + (i % 2), i === 8 ? 5 : 1);
  })();
  s.exec(`INSERT INTO late VALUES (1, 1), (2, ${bigRows + 1})`);
  s.close();
  return path;
}

async function constraints(schema: string): Promise<string[]> {
  const result = await pool().query(
    `SELECT conname FROM pg_constraint WHERE contype = 'f' AND connamespace = $1::regnamespace ORDER BY conname`,
    [schema],
  );
  return result.rows.map((r: { conname: string }) => r.conname);
}

describe('snapshot foreign keys', () => {
  it('are created and counted as soon as both their tables have rows and keys', async () => {
    const file = sourceFile(50);
    const sqlite = new Database(file, { readonly: true });
    const target = translate(introspect(sqlite), { ...DEFAULT_TRANSLATE_OPTIONS, schema: 'direct' });
    sqlite.close();
    await pool().query('CREATE SCHEMA direct');
    const byName = new Map(target.tables.map((t) => [t.name, t]));
    const table = (name: string): TargetTable => byName.get(name)!;
    for (const t of target.tables) await pool().query(createTableSql(t));
    await pool().query('INSERT INTO direct.lookup VALUES (1), (2)');
    await pool().query('INSERT INTO direct.big (id, lookup_id) VALUES (1, 1), (2, 3)');
    const keys = new SnapshotForeignKeys(pool(), target.tables, silentLogger);
    const keyed = async (name: string) => {
      await buildTableKeys(pool(), table(name), 1, undefined);
      await keys.tableKeyed(table(name));
    };

    await keyed('big');
    expect(await constraints('direct')).toEqual([]); // lookup and other have no key yet
    await keyed('lookup');
    expect(await constraints('direct')).toEqual(['big_lookup_id_fkey']);
    await keyed('other');
    expect(await constraints('direct')).toEqual(['big_lookup_id_fkey', 'big_other_id_fkey']);

    // `late` was never keyed: finish creates and counts what is left.
    const result = await keys.finish(2, new Map());
    expect(await constraints('direct')).toEqual([
      'big_lookup_id_fkey',
      'big_other_id_fkey',
      'late_big_id_fkey',
    ]);
    expect(result.dangling.map((d) => [d.constraint, d.rows, d.sample])).toEqual([
      ['big_lookup_id_fkey', 1, [[3]]],
    ]);
  });

  it('in a snapshot whose large table is copied in ranges: every key, every dangling row', async () => {
    const file = sourceFile(30_000);
    const config = loadConfig({ sqlite: file, pg: db.url(), schema: 'whole', parallel: 2 }, {});
    const result = await runSnapshot(config, silentLogger, { tty: null, rowsPerRange: 5_000 });
    expect(result.tables.find((t) => t.table === 'big')?.rows).toBe(30_000);
    expect(await constraints('whole')).toEqual([
      'big_lookup_id_fkey',
      'big_other_id_fkey',
      'late_big_id_fkey',
    ]);
    expect(result.dangling.map((d) => [d.constraint, d.rows, d.sample])).toEqual([
      ['big_lookup_id_fkey', 1, [[9]]],
      ['big_other_id_fkey', 1, [[5]]],
      ['late_big_id_fkey', 1, [[30_001]]],
    ]);
  });
});

import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { snapshot } from '../support/bridge.js';
import { adminQuery, adminUrl } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const LATIN1 = `lb_latin1_${process.pid}`;

afterAll(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS "${LATIN1}" WITH (FORCE)`);
});

it('refuses a target database whose encoding is not UTF8, before writing anything, naming the fix', async () => {
  await adminQuery(
    `CREATE DATABASE "${LATIN1}" ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`,
  );
  const file = tempSqlite('unicode.db');
  const app = new Database(file);
  app.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t VALUES (1, 'Zürich → 東京')");
  app.close();
  const refused = snapshot(file, adminUrl(LATIN1));
  await expect(refused).rejects.toMatchObject({ code: 'BAD_STATE' });
  await expect(refused).rejects.toThrow(/has encoding LATIN1: litebridge needs UTF8/);
  // Nothing was created there: not litebridge's schema, not the table.
  const client = new pg.Client({ connectionString: adminUrl(LATIN1) });
  await client.connect();
  try {
    const created = await client.query(
      "SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('t', 'sources') AND relkind = 'r'",
    );
    expect(created.rows[0].n).toBe(0);
  } finally {
    await client.end();
  }
});

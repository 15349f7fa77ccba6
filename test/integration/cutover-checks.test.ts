import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/load.js';
import { closeContext, openContext } from '../../src/cutover/context.js';
import { finalCheck } from '../../src/cutover/final-check.js';
import { silentLogger } from '../../src/log/logger.js';
import { fenceState } from '../../src/sqlite/fence.js';
import { openSqlite } from '../../src/sqlite/open.js';
import { verify } from '../support/bridge.js';
import { cutover, dropIdleSlots, startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();

/** A WAL file with a dangling and a valid foreign key and an AUTOINCREMENT table past its max. */
function keyedFile(name: string): string {
  const file = tempSqlite(`${name}.db`);
  const s = new Database(file);
  s.pragma('journal_mode = WAL');
  s.pragma('foreign_keys = OFF');
  s.exec(`
    CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
    CREATE TABLE other (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
    CREATE TABLE auto (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
    INSERT INTO parent VALUES (1, 'a'), (2, 'b');
    INSERT INTO child VALUES (1, 1), (2, 99);
    INSERT INTO other VALUES (1, 2);
    INSERT INTO auto (v) VALUES ('x'), ('y'), ('z');
    DELETE FROM auto WHERE id = 3;
  `);
  s.close();
  return file;
}

async function cli(args: readonly string[]): Promise<{ code: number; out: string }> {
  let out = '';
  process.env.LITEBRIDGE_LOG_LEVEL = 'silent';
  const code = await main(args, { out: (t) => (out += t), err: () => undefined });
  return { code, out };
}

describe('cutover checks', () => {
  it('validates foreign keys (reporting dangling rows), sets sequences past AUTOINCREMENT, prints JSON', async () => {
    const file = keyedFile('keys');
    const args = ['--sqlite', file, '--pg', db.url(), '--schema', 'keys'];
    const sync = startSync(file, db.url(), 'keys');
    await sync.snapshotted();
    await until(async () => (await verify(file, db.url(), { schema: 'keys' })).equal);

    const dry = await cli(['cutover', ...args, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.out)).toMatchObject({ status: 'dry-run', preflight: { ok: true } });

    const run = await cli(['cutover', ...args, '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.out);
    expect(result).toMatchObject({
      status: 'switched',
      drained: { events: 0 },
      checksum: { equal: true },
      foreignKeys: { dangling: [{ table: 'child', rows: 1, sample: [[99]] }] },
    });
    expect(typeof result.fenceMs).toBe('number');
    expect(result.lsn).toMatch(/\//);
    expect(result.foreignKeys.validated).toHaveLength(1);
    const fks = await db.query<{ conname: string; convalidated: boolean; rel: string }>(
      "SELECT conname, convalidated, conrelid::regclass::text AS rel FROM pg_constraint WHERE contype = 'f' AND connamespace = 'keys'::regnamespace ORDER BY rel",
    );
    expect(fks.rows.map((r) => [r.rel, r.convalidated])).toEqual([
      ['keys.child', false],
      ['keys.other', true],
    ]);
    // AUTOINCREMENT never reuses 3, even though max(id) is 2.
    const next = await db.query<{ id: number }>("INSERT INTO keys.auto (v) VALUES ('pg') RETURNING id");
    expect(Number(next.rows[0]!.id)).toBe(4);
    await sync.stop();
    await dropIdleSlots(db.query);
  });

  it('refuses to cut over when PostgreSQL drifted, naming the row; nothing is fenced', async () => {
    const file = keyedFile('drift');
    const sync = startSync(file, db.url(), 'drift');
    await sync.snapshotted();
    await until(async () => (await verify(file, db.url(), { schema: 'drift' })).equal);
    await db.query("UPDATE drift.parent SET name = 'tampered' WHERE id = 2");
    await expect(cutover(file, db.url(), {}, 'drift')).rejects.toThrow(
      /drift: drift in parent \(1 rows, e\.g\. id=2\)/,
    );
    const s = openSqlite(file, { readonly: true });
    expect(fenceState(s).installed).toBe(false);
    s.close();
    const held = await db.query("SELECT verified_seq FROM litebridge.sources WHERE source_id = 'drift'");
    expect(held.rows[0]!.verified_seq).toBeNull();
    await sync.stop();
  });

  it('the final check compares the keys changed since the drift check and the row counts', async () => {
    const file = keyedFile('final');
    const sync = startSync(file, db.url(), 'final');
    await sync.snapshotted();
    await until(async () => (await verify(file, db.url(), { schema: 'final' })).equal);
    await sync.stop();
    const ctx = await openContext(
      loadConfig({ sqlite: file, pg: db.url(), schema: 'final' }, {}),
      silentLogger,
      'test',
    );
    const client = await ctx.pool.connect();
    try {
      const since = BigInt(
        (
          await client.query(
            "SELECT checkpoint_seq::text AS s FROM litebridge.sources WHERE source_id = 'final'",
          )
        ).rows[0].s,
      );
      expect((await finalCheck(client, ctx.db, since, ctx.tables)).equal).toBe(true);
      // Changed in SQLite after the baseline and not applied: the key is compared and differs.
      const app = new Database(file);
      app.exec("UPDATE parent SET name = 'new' WHERE id = 1");
      app.close();
      const changed = await finalCheck(client, ctx.db, since, ctx.tables);
      expect(changed).toMatchObject({ equal: false, keysChecked: 1 });
      expect(changed.mismatches[0]).toMatchObject({ table: 'parent', key: 'id=1' });
      expect(changed.mismatches[0]!.reason).toContain('column "name"');
      // A row PostgreSQL has and SQLite never had shows in the counts.
      await client.query('INSERT INTO final.other VALUES (50, 1)');
      const counted = await finalCheck(client, ctx.db, since, ctx.tables);
      expect(counted.mismatches.map((m) => m.reason)).toContain('SQLite has 1 rows, PostgreSQL 2');
    } finally {
      client.release();
      await closeContext(ctx);
    }
  });

  it('preflight names each missing privilege with its fix', async () => {
    const file = keyedFile('roles');
    const sync = startSync(file, db.url(), 'roles');
    await sync.snapshotted();
    await until(async () => (await verify(file, db.url(), { schema: 'roles' })).equal);
    await sync.stop();
    const role = `lb_plain_${db.name().slice(-6)}`;
    await db.query(`CREATE ROLE ${role} LOGIN PASSWORD 'plain'`);
    // The role owns litebridge's metadata (it ran sync) but neither the tables nor REPLICATION.
    await db.query(`GRANT CREATE ON DATABASE "${db.name()}" TO ${role}`);
    await db.query(`ALTER SCHEMA litebridge OWNER TO ${role}`);
    await db.query(
      `DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'litebridge' LOOP
         EXECUTE format('ALTER TABLE litebridge.%I OWNER TO ${role}', t); END LOOP; END $$`,
    );
    await db.query(`GRANT USAGE ON SCHEMA roles TO ${role}`);
    await db.query(`GRANT SELECT ON ALL TABLES IN SCHEMA roles TO ${role}`);
    const url = new URL(db.url());
    url.username = role;
    url.password = 'plain';
    const dry = await cli([
      'cutover',
      '--sqlite',
      file,
      '--pg',
      url.toString(),
      '--schema',
      'roles',
      '--dry-run',
      '--json',
    ]);
    expect(dry.code).toBe(1);
    const checks = JSON.parse(dry.out).preflight.checks as { name: string; ok: boolean; fix: string }[];
    const failed = Object.fromEntries(checks.filter((c) => !c.ok).map((c) => [c.name, c.fix]));
    expect(Object.keys(failed).sort()).toEqual(['privileges', 'replication']);
    expect(failed.replication).toContain(`ALTER ROLE "${role}" REPLICATION`);
    expect(failed.privileges).toContain('OWNER TO');
    await db.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER`);
    await db.query(`DROP OWNED BY ${role}`);
    await db.query(`DROP ROLE ${role}`);
  });
});

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { customAlphabet } from 'nanoid';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { createPool } from '../../src/pg/pool.js';
import {
  currentWalLsn,
  dropReplication,
  ensurePublication,
  ensureSlot,
  slotStatus,
} from '../../src/pg/replication.js';
import { runSnapshot } from '../../src/pipeline/snapshot.js';
import { runReverse } from '../../src/reverse/run-reverse.js';
import { introspect } from '../../src/schema/introspect.js';
import { translate } from '../../src/schema/translate.js';
import { installCaptureFor } from '../../src/sqlite/capture.js';
import { openSqlite } from '../../src/sqlite/open.js';
import { readReverseLsn, setReverseStart } from '../../src/sqlite/reverse-apply.js';
import { runVerify } from '../../src/verify/verify.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';

const db = useTestDatabase();
const suffix = customAlphabet('abcdefghijklmnopqrstuvwxyz0123456789', 8)();
const sources: string[] = [];
afterAll(async () => {
  const admin = createPool(db.url(), { max: 1 });
  for (const id of sources) await dropReplication(admin, id).catch(() => undefined);
  await admin.end();
});

const EVERY = `
  CREATE TABLE every (
    id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC, amount TEXT, flag BOOLEAN,
    ts DATETIME, d DATE, j JSON, f4 REAL, small INTEGER, i32 INTEGER, tz TIMESTAMPTZ,
    unix DATETIME, ms DATETIME, jd DATETIME, big TEXT);
  CREATE TABLE notes (body TEXT);
  INSERT INTO every (id, i, t) VALUES (1, 1, 'one'), (2, 2, 'two');
  INSERT INTO notes VALUES ('first');
`;

const OVERRIDES = {
  every: {
    columns: {
      amount: { cast: 'numeric' },
      f4: { cast: 'real' },
      small: { cast: 'smallint' },
      i32: { cast: 'integer' },
      unix: { timeInput: 'unixepoch' },
      ms: { timeInput: 'unixepoch-ms' },
      jd: { timeInput: 'julianday' },
    },
  },
} as const;

/** A SQLite file snapshotted into its own schema, with capture, publication, slot and start LSN. */
async function prepare(name: string): Promise<{ file: string; config: Config }> {
  const file = tempSqlite(`${name}.db`);
  const setup = new Database(file);
  setup.pragma('journal_mode = WAL');
  setup.exec(EVERY);
  setup.close();
  const sourceId = `rev_${name}_${suffix}`;
  sources.push(sourceId);
  const configFile = join(dirname(file), 'litebridge.json');
  writeFileSync(configFile, JSON.stringify({ tables: OVERRIDES }));
  const config = loadConfig({ sqlite: file, pg: db.url(), schema: name, sourceId, config: configFile }, {});
  await runSnapshot(config, silentLogger, { tty: null });
  const sqlite = openSqlite(file);
  const admin = createPool(db.url(), { max: 1 });
  try {
    const source = introspect(sqlite);
    const target = translate(source, config);
    installCaptureFor(sqlite, source, target, { sourceId });
    await ensurePublication(admin, sourceId, target.tables);
    const slot = await ensureSlot(admin, sourceId);
    expect(slot.created).toBe(true);
    setReverseStart(sqlite, slot.lsn);
  } finally {
    sqlite.close();
    await admin.end();
  }
  return { file, config };
}

/** Runs reverse replication until it has caught up with everything PostgreSQL committed so far. */
async function drain(config: Config) {
  const pool = createPool(db.url(), { max: 1 });
  const untilLsn = await currentWalLsn(pool).finally(() => pool.end());
  return runReverse(config, silentLogger, { untilLsn });
}

function rows(file: string, sql: string): Record<string, unknown>[] {
  const s = openSqlite(file, { readonly: true });
  try {
    return s.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    s.close();
  }
}

describe('reverse replication', () => {
  it('writes every codec type back so the forward codec maps it to the same PostgreSQL value', async () => {
    const { file, config } = await prepare('types');
    await db.query(`
      INSERT INTO types.every (id, i, r, t, b, n, amount, flag, ts, d, j, f4, small, i32, tz, unix, ms, jd)
      VALUES
        (10, 9223372036854775807, 0.1, E'tab\\there\\nnewline ünï 😀', '\\x00ff10', 1.5,
         '123456789012345678901234567890.123', true, '2024-02-29 23:59:59.123456', '2024-02-29',
         '{"a": [1, 2.5, "x"], "b": null}', 0.1, -32768, 2147483647, '2024-01-01 00:00:00+05:30',
         '2024-01-01 00:00:00.5', '2024-01-01 00:00:00.123', '2024-01-01 12:00:00'),
        (11, -9223372036854775808, 'Infinity', '', '\\x', 42, '-0.000001', false, '0001-01-01 00:00:00',
         '9999-12-31', '[]', '-3.4028235e+38', 0, -2147483648, '2024-06-30 23:59:59.999999+00',
         '1969-12-31 23:59:59', '1970-01-01 00:00:00', '2000-01-01 00:00:00'),
        (12, NULL, 1e-300, NULL, NULL, -0.000001, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL);
      INSERT INTO types.notes (body) VALUES ('second'), ('third');
    `);
    await db.query(`UPDATE types.every SET r = 2.5, t = 'changed', n = 7 WHERE id = 2`);
    await db.query(`DELETE FROM types.every WHERE id = 1`);
    await db.query(`UPDATE types.notes SET body = 'first!' WHERE body = 'first'`);
    const result = await drain(config);
    expect(result.transactions).toBe(4);

    const verified = await runVerify(config, silentLogger);
    expect(verified.equal).toBe(true);
    const [ten] = rows(file, 'SELECT * FROM every WHERE id = 10');
    expect(ten).toMatchObject({
      i: 9223372036854775807n,
      r: 0.1,
      t: 'tab\there\nnewline ünï 😀',
      flag: 1n,
      ts: '2024-02-29 23:59:59.123456',
      d: '2024-02-29',
      tz: '2023-12-31 18:30:00',
      unix: 1704067200.5,
      ms: 1704067200123n,
      small: -32768n,
      amount: '123456789012345678901234567890.123',
    });
    expect(Buffer.from(ten!.b as Uint8Array).toString('hex')).toBe('00ff10');
    expect(rows(file, 'SELECT id FROM every ORDER BY id').map((r) => r.id)).toEqual([2n, 10n, 11n, 12n]);
    expect(rows(file, 'SELECT body FROM notes ORDER BY rowid').map((r) => r.body)).toEqual([
      'first!',
      'second',
      'third',
    ]);
    expect(readReverseLsn(openSqlite(file, { readonly: true }))).toBe(result.appliedLsn);
  });

  it('moves a row on a key change, keeps unchanged TOASTed values, truncates, and never echoes', async () => {
    const { file, config } = await prepare('toast');
    // A fence like cutover's: application writes abort while capture is on.
    const app = new Database(file);
    for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
      app.exec(`CREATE TRIGGER fence_${op} BEFORE ${op} ON every
        WHEN (SELECT enabled FROM _litebridge_capture WHERE id = 1)
        BEGIN SELECT RAISE(ABORT, 'fenced'); END`);
    }
    await db.query(`
      UPDATE toast.every SET big = (SELECT string_agg(md5(g::text || random()::text), '') FROM generate_series(1, 400) g)
      WHERE id = 2`);
    await drain(config);
    const big = rows(file, 'SELECT big FROM every WHERE id = 2')[0]!.big as string;
    expect(big.length).toBe(12800);
    // Stored out of line (TOAST), so an update of another column does not send it.
    const stored = await db.query<{ n: number }>(
      'SELECT pg_column_size(big) AS n FROM toast.every WHERE id = 2',
    );
    expect(stored.rows[0]!.n).toBeGreaterThan(2032);

    await db.query(`UPDATE toast.every SET i = 20 WHERE id = 2`); // big is not sent: unchanged TOAST
    await db.query(`UPDATE toast.every SET id = 200, t = 'moved' WHERE id = 2`); // key change, big not sent
    await drain(config);
    expect(rows(file, 'SELECT id, i, t, big FROM every ORDER BY id')).toEqual([
      { id: 1n, i: 1n, t: 'one', big: null },
      { id: 200n, i: 20n, t: 'moved', big },
    ]);

    await db.query('TRUNCATE toast.notes');
    await drain(config);
    expect(rows(file, 'SELECT count(*) AS n FROM notes')[0]!.n).toBe(0n);
    expect((await runVerify(config, silentLogger)).equal).toBe(true);

    // Nothing reverse replication wrote was captured, the flag is back on, and the fence holds.
    expect(rows(file, 'SELECT count(*) AS n FROM _litebridge_changelog')[0]!.n).toBe(0n);
    expect(rows(file, 'SELECT enabled FROM _litebridge_capture')[0]!.enabled).toBe(1n);
    expect(() => app.exec('INSERT INTO every (id) VALUES (999)')).toThrow('fenced');
    app.close();
  });

  it('restarts from the position stored in SQLite: nothing applied twice, nothing skipped', async () => {
    const { file, config } = await prepare('restart');
    await db.query(`INSERT INTO restart.every (id, i) SELECT g, g FROM generate_series(100, 199) g`);
    const first = await drain(config);
    expect(first.transactions).toBe(1);
    await db.query(`UPDATE restart.every SET i = i + 1 WHERE id >= 100`);
    await db.query(`INSERT INTO restart.every (id, i) VALUES (500, 500)`);
    const second = await drain(config);
    expect(second.transactions).toBe(2);
    const third = await drain(config);
    expect(third.transactions).toBe(0);
    expect(rows(file, 'SELECT sum(i) AS s, count(*) AS n FROM every')[0]).toEqual({
      s: 1n + 2n + 14950n + 100n + 500n,
      n: 103n,
    });
    const admin = createPool(db.url(), { max: 1 });
    const status = await slotStatus(admin, config.sourceId);
    await admin.end();
    expect(status).toMatchObject({ active: false, walStatus: 'reserved', warning: null });
    expect(status!.confirmedLsn).not.toBeNull();
  });

  it('stops with a clear message when the slot is missing', async () => {
    const { config } = await prepare('missing');
    const admin = createPool(db.url(), { max: 1 });
    await dropReplication(admin, config.sourceId);
    await admin.end();
    await expect(drain(config)).rejects.toMatchObject({
      code: 'BAD_STATE',
      message: expect.stringMatching(/replication slot "litebridge_rev_missing_\w+" does not exist/),
    });
  });
});

import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { startAppWriter, writerWorkloadFile } from '../support/app-writer.js';
import { snapshot, verify } from '../support/bridge.js';
import { cutover, dropIdleSlots, startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();

it('cuts over while the application writes and sync runs: the writer meets the fence, PostgreSQL takes default ids', async () => {
  const file = writerWorkloadFile(tempSqlite('live.db'), 2_000);
  const sync = startSync(file, db.url());
  await sync.snapshotted();
  const equal = async () => (await verify(file, db.url())).equal;
  await until(equal);

  const dry = await cutover(file, db.url(), { dryRun: true });
  expect(dry.status).toBe('dry-run');
  expect(dry.preflight?.ok).toBe(true);

  const app = await startAppWriter(file, 5000);
  await until(
    async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM late')).rows[0]!.n > 100,
  );
  const calledAt = Date.now();
  const callStarted = performance.now();
  const result = await cutover(file, db.url());
  const callMs = performance.now() - callStarted;
  const returnedAt = Date.now();
  const written = await app.stop();

  expect(result.status).toBe('switched');
  // The fence window was measured inside this call, in whole milliseconds: at least the one
  // PostgreSQL transaction that drains, checks and switches, at most the call itself.
  expect(Number.isInteger(result.fenceMs)).toBe(true);
  expect(result.fenceMs).toBeGreaterThanOrEqual(1);
  expect(result.fenceMs).toBeLessThanOrEqual(Math.ceil(callMs));
  const fenceAt = Date.parse(result.fenceAt ?? '');
  expect(fenceAt).toBeGreaterThanOrEqual(calledAt);
  expect(fenceAt).toBeLessThanOrEqual(returnedAt);
  expect(result.checksum?.equal).toBe(true);
  expect(result.checksum?.tables.map((t) => t.table).sort()).toEqual(['big', 'late']);
  expect(result.sequences.map((s) => s.table).sort()).toEqual(['big', 'late']);
  expect(result.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
  // The application wrote until the fence, then every write failed with the fence's message.
  expect(written.commits).toBeGreaterThan(0);
  expect(written.errors.length).toBeGreaterThan(0);
  expect(written.errors.every((e) => /moved to PostgreSQL at/.test(e))).toBe(true);

  // SQLite is frozen and PostgreSQL equals it; the checkpoint is the changelog head.
  expect((await verify(file, db.url())).equal).toBe(true);
  const source = new Database(file, { readonly: true });
  const head = source.prepare('SELECT max(seq) AS s FROM _litebridge_changelog').get() as { s: number };
  const maxLate = source.prepare('SELECT max(id) AS m FROM late').get() as { m: number };
  source.close();
  const record = await db.query(
    'SELECT phase, cutover_seq::text AS seq, checkpoint_seq::text AS cp, fence_ms FROM litebridge.sources',
  );
  expect(record.rows[0]).toMatchObject({ phase: 'cutover', seq: String(head.s), cp: String(head.s) });
  expect(record.rows[0]!.fence_ms).toBe(result.fenceMs);

  // The application, now on PostgreSQL, inserts with default ids.
  const inserted = await db.query<{ id: string }>('INSERT INTO late (n) VALUES (-1) RETURNING id');
  expect(Number(inserted.rows[0]!.id)).toBe(maxLate.m + 1);
  await db.query("INSERT INTO big (payload) VALUES ('from postgres')");

  // A second cutover has nothing left to do.
  expect((await cutover(file, db.url())).status).toBe('already');
  await sync.stop();

  // A sync started after the cutover streams PostgreSQL's changes into SQLite from the start.
  const again = startSync(file, db.url());
  await db.query('INSERT INTO late (n) VALUES (-2)');
  await until(async () => (await verify(file, db.url())).equal);
  const status = await db.query('SELECT last_error FROM litebridge.sources');
  expect(status.rows[0]!.last_error).toBeNull();
  await again.stop();

  // PostgreSQL is the primary now: a snapshot from SQLite would overwrite it, so it is refused.
  await expect(snapshot(file, db.url(), { replace: true })).rejects.toThrow(/was cut over to PostgreSQL/);
  await dropIdleSlots(db.query);
}, 120_000);

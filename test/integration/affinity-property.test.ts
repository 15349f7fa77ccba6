import Database from 'better-sqlite3';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { encoderFor } from '../../src/codec/index.js';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/config/config.js';
import type { SqlValue } from '../../src/model/sql-value.js';
import { introspect } from '../../src/schema/introspect.js';
import { translate } from '../../src/schema/translate.js';
import { snapshot, verify } from '../support/bridge.js';
import { cutover, dropIdleSlots, startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();
process.env.LITEBRIDGE_LOG_LEVEL = 'silent';

/** Type names applications really declare (and no type at all). */
const DECLARED = [
  'JSON',
  'BOOL',
  'BOOLEAN',
  'DATETIME',
  'TIMESTAMP',
  'DATE',
  'NUMERIC',
  'DECIMAL(10,2)',
  'MONEY',
  'UUID',
  'VARCHAR(36)',
  'NVARCHAR(50)',
  'CLOB',
  'BLOB',
  'REAL',
  'DOUBLE',
  'FLOAT',
  'INT',
  'UNSIGNED BIG INT',
  '',
] as const;

/** A value as an application writes it: a bound parameter, or SQL text (a literal, a json() call). */
type Written = { readonly bind: unknown } | { readonly sql: string };

const texts = fc.constantFrom(
  'plain',
  '',
  '42',
  ' 7 ',
  '1.5',
  '7.00',
  '1e20',
  '-0',
  'true',
  '2024-02-29 10:11:12',
  '2024-02-29T10:11:12.5Z',
  '2024-02-29',
  '{"a": [1, 2.50, "x"]}',
  '[true, null]',
  '"quoted"',
  '0b1c8d1e-6f0a-4a52-9d55-1a2b3c4d5e6f',
  'é😀',
);
const written: fc.Arbitrary<Written> = fc
  .oneof(
    texts.map((v) => ({ bind: v })),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ bind: v })),
    fc.constantFrom(0n, 1n, 2n, -1n).map((v) => ({ bind: v })),
    fc.double({ noNaN: true }).map((v) => ({ bind: v })),
    fc
      .constantFrom(0.1, 1.5, 2.0, 1e17, 1e20, -0, Number.POSITIVE_INFINITY, 1.7976931348623157e308)
      .map((v) => ({ bind: v })),
    fc.uint8Array({ maxLength: 6 }).map((b) => ({ bind: Buffer.from(b) })),
    fc.constantFrom("'x'", '42', '1.5', '1e3', "x'00ff'", 'NULL', '3.0', "'007'").map((sql) => ({ sql })),
    fc
      .constantFrom(`json('{"b":2,"a":1}')`, "json(' 3 ')", "json('[1, 2.0]')", `json('"s"')`)
      .map((sql) => ({ sql })),
  )
  .map((w) => ('sql' in w || 'bind' in w ? w : { sql: w as unknown as string }));

interface Spec {
  readonly strict: boolean;
  readonly types: readonly string[];
  readonly rows: readonly (readonly Written[])[];
}

const spec: fc.Arbitrary<Spec> = fc
  .record({ strict: fc.boolean(), n: fc.integer({ min: 1, max: 4 }) })
  .chain(({ strict, n }) =>
    fc.record({
      strict: fc.constant(strict),
      types: fc.array(strict ? fc.constant('ANY') : fc.constantFrom(...DECLARED), {
        minLength: n,
        maxLength: n,
      }),
      rows: fc.array(fc.array(written, { minLength: n, maxLength: n }), { minLength: 2, maxLength: 8 }),
    }),
  );

type Cells = Map<bigint, string[]>;

/** typeof() of every cell, and quote() where the value comes back as it was written. */
function cells(file: string, n: number, exact: readonly boolean[]): Cells {
  const s = new Database(file, { readonly: true });
  s.defaultSafeIntegers(true);
  try {
    const cols = Array.from({ length: n }, (_, i) => `typeof(c${i}), quote(c${i})`).join(', ');
    const out: Cells = new Map();
    for (const row of s.prepare(`SELECT id, ${cols} FROM t ORDER BY id`).raw(true).all() as unknown[][]) {
      const seen: string[] = [];
      for (let i = 0; i < n; i++) {
        const type = String(row[1 + 2 * i]);
        seen.push(exact[i] || type !== 'text' ? `${type} ${String(row[2 + 2 * i])}` : type);
      }
      out.set(row[0] as bigint, seen);
    }
    return out;
  } finally {
    s.close();
  }
}

let run = 0;

it('real-world declared types, values written as applications write them: every accepted value arrives and comes back with its storage class, every refused one is refused by name', async () => {
  await fc.assert(
    fc.asyncProperty(spec, async ({ strict, types, rows }) => {
      run++;
      const file = tempSqlite(`prop${run}.db`);
      const schema = `prop${run}`;
      const n = types.length;
      const app = new Database(file);
      app.pragma('journal_mode = WAL');
      app.defaultSafeIntegers(true);
      const columns = types.map((t, i) => `c${i} ${t}`).join(', ');
      app.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, ${columns})${strict ? ' STRICT' : ''}`);
      const insert = (id: number, values: readonly Written[]) => {
        const sql = values.map((w) => ('sql' in w ? w.sql : '?')).join(', ');
        const binds = values.flatMap((w) => ('bind' in w ? [w.bind] : []));
        app.prepare(`INSERT INTO t VALUES (?, ${sql})`).run(BigInt(id), ...binds);
      };
      for (const [i, r] of rows.entries()) insert(i + 1, r);

      // Which values the rules refuse, decided by the codec on what SQLite stored.
      const source = introspect(app);
      const target = translate(source, DEFAULT_TRANSLATE_OPTIONS).tables[0]!;
      const encoders = target.columns.map((c) => encoderFor(c));
      const stored = app.prepare('SELECT * FROM t ORDER BY id').raw(true).all() as SqlValue[][];
      const refused = new Map<bigint, number[]>();
      for (const row of stored) {
        const bad = row.flatMap((v, i) => {
          try {
            encoders[i]!(v);
            return [];
          } catch {
            return [i];
          }
        });
        if (bad.length > 0) refused.set(row[0] as bigint, bad);
      }
      // A quarantining snapshot names each refused row's table, key, column and value.
      const probe = await snapshot(file, db.url(), {
        schema: `${schema}_probe`,
        sourceId: `${schema}_probe`,
        onBadRow: 'quarantine',
      });
      expect(probe.rejected).toBe(refused.size);
      const rejects = await db.query<{
        row_key: { id: { integer: string } };
        column_name: string;
        reason: string;
      }>('SELECT row_key, column_name, reason FROM litebridge.rejects WHERE source_id = $1', [
        `${schema}_probe`,
      ]);
      for (const r of rejects.rows) {
        const id = BigInt(r.row_key.id.integer);
        expect(refused.get(id)?.map((i) => `c${i - 1}`)).toContain(r.column_name);
        expect(r.reason).toContain(`column "${r.column_name}"`);
      }
      expect(rejects.rows.length).toBe(refused.size);
      // Refused values become NULL: the rest of their rows goes on.
      for (const [id, bad] of refused) {
        for (const i of bad) app.prepare(`UPDATE t SET c${i - 1} = NULL WHERE id = ?`).run(id);
      }

      // Half the accepted rows before sync, the rest applied live.
      const late = [...app.prepare('SELECT id FROM t ORDER BY id').pluck().all()].filter(
        (_, i) => i % 2 === 1,
      );
      const lateRows = app
        .prepare(`SELECT * FROM t WHERE id IN (${late.map(() => '?').join(', ') || 'NULL'})`)
        .raw(true)
        .all(...late) as SqlValue[][];
      for (const id of late) app.prepare('DELETE FROM t WHERE id = ?').run(id);
      const sync = startSync(file, db.url(), schema);
      try {
        await sync.snapshotted();
        const re = app.prepare(
          `INSERT INTO t VALUES (${Array.from({ length: n + 1 }, () => '?').join(', ')})`,
        );
        for (const r of lateRows) re.run(...r);
        const equal = async () => (await verify(file, db.url(), { schema })).equal;
        await until(equal);
        // JSON, variant and time columns give text back in PostgreSQL's spelling: class only.
        const exact = target.columns
          .slice(1)
          .map(
            (c) => (c.type !== 'jsonb' || c.variant === true) && c.type !== 'timestamp' && c.type !== 'date',
          );
        const before = cells(file, n, exact);
        expect((await cutover(file, db.url(), {}, schema)).status).toBe('switched');
        // PostgreSQL rewrites every row; reverse replication writes each value back.
        await db.query(
          `BEGIN; CREATE TEMP TABLE keep AS SELECT * FROM ${schema}.t; DELETE FROM ${schema}.t; INSERT INTO ${schema}.t SELECT * FROM keep; DROP TABLE keep; COMMIT`,
        );
        await until(async () => {
          const s = new Database(file, { readonly: true });
          try {
            return s.prepare('SELECT count(*) FROM t').pluck().get() === before.size;
          } finally {
            s.close();
          }
        });
        await until(equal);
        expect(cells(file, n, exact)).toEqual(before);
        console.log(
          'PROP',
          types.join('/'),
          strict,
          before.size,
          refused.size,
          JSON.stringify([...before.values()]).slice(0, 300),
        );
      } finally {
        await sync.stop().catch(() => undefined);
        app.close();
        await dropIdleSlots(db.query);
      }
    }),
    { numRuns: 20, seed: 20261206, endOnFailure: true },
  );
}, 300_000);

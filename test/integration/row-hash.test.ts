import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encoderFor } from '../../src/codec/index.js';
import type { SqlValue } from '../../src/model/sql-value.js';
import { PG_TYPES, type PgType, type TargetColumn, type TargetTable } from '../../src/model/target-schema.js';
import { RAW_TEXT_ROWS } from '../../src/pg/pool.js';
import { quoteIdent } from '../../src/schema/quote.js';
import { PgTableChecksum } from '../../src/verify/checksum-pg.js';
import { type ChunkPlan, chunkCount, chunkRange, planChunks } from '../../src/verify/chunks.js';
import { bucketOf, HashSum, hashValue, pgRowHashSql } from '../../src/verify/row-hash.js';
import { rowHasher } from '../../src/verify/row-hasher.js';
import { CODEC_CASES, type CodecCase } from '../support/codec-cases.js';
import { useBridgePool, useTestDatabase } from '../support/pg.js';
import { column, valuesFor, variantValues } from '../support/row-hash-values.js';

const db = useTestDatabase();
const pool = useBridgePool(db);

function table(name: string, columns: readonly TargetColumn[], key: string): TargetTable {
  return {
    source: name,
    schema: 'public',
    name,
    columns,
    primaryKey: [key],
    key: { kind: 'primary-key', columns: [key] },
    withoutRowid: false,
    indexes: [],
    foreignKeys: [],
    checks: [],
    partitioning: null,
    identityColumn: null,
    autoincrement: false,
  };
}

/** The value the codec sends for each column, or null when it refuses it (the row then holds NULL). */
function accepted(columns: readonly TargetColumn[], values: readonly SqlValue[]): SqlValue[] {
  return values.map((v, i) => {
    try {
      encoderFor(columns[i]!)(v);
      return v;
    } catch {
      return null;
    }
  });
}

/** Inserts rows as the codec encodes them (text parameters cast to each column's type). */
async function insert(target: TargetTable, rows: readonly (readonly SqlValue[])[]): Promise<void> {
  const encoders = target.columns.map((c) => encoderFor(c));
  const names = target.columns.map((c) => quoteIdent(c.name)).join(', ');
  const params = target.columns.map((c, i) => `$${i + 1}::${c.type}`).join(', ');
  const sql = `INSERT INTO ${quoteIdent(target.name)} (${names}) VALUES (${params})`;
  for (const row of rows)
    await pool().query(
      sql,
      row.map((v, i) => encoders[i]!(v)),
    );
}

/** PostgreSQL's row hash of every row, by the text of its first column. */
async function pgHashes(target: TargetTable): Promise<Map<string, string>> {
  const first = quoteIdent(target.columns[0]!.name);
  const r = await pool().query({
    text: `SELECT t.${first}::text, ${pgRowHashSql(target.columns)}::text FROM ${quoteIdent(target.name)} AS t`,
    ...RAW_TEXT_ROWS,
  });
  return new Map((r.rows as [string, string][]).map(([k, h]) => [k, h]));
}

/** SQLite's side of a plan's summaries, computed in JS from the same rows. */
function jsSummaries(
  target: TargetTable,
  plan: ChunkPlan,
  rows: readonly (readonly SqlValue[])[],
): Map<number, { rows: number; sum: string }> {
  const hashRow = rowHasher(target.columns);
  const hashKey = rowHasher([target.columns[0]!]);
  const sums = new Map<number, HashSum>();
  for (const row of rows) {
    let chunk: number;
    if (plan.kind === 'bucket') chunk = bucketOf(hashKey([row[0] ?? null]), plan.buckets);
    else {
      chunk = 0;
      while (chunk < chunkCount(plan) - 1 && (chunkRange(plan, chunk).to ?? 0n) <= (row[0] as bigint))
        chunk++;
    }
    let sum = sums.get(chunk);
    if (sum === undefined) sums.set(chunk, (sum = new HashSum()));
    sum.add(hashRow(row));
  }
  return new Map([...sums].map(([c, s]) => [c, { rows: s.rows, sum: s.sum.toString() }]));
}

async function pgSummaries(target: TargetTable, plan: ChunkPlan) {
  const client = await pool().connect();
  try {
    return await new PgTableChecksum(target).summaries(client, plan);
  } finally {
    client.release();
  }
}

const sorted = <V>(m: Map<number, V>) => [...m].sort((a, b) => a[0] - b[0]);

describe('row hash: SQLite values and their PostgreSQL copies hash equal', () => {
  it.each(PG_TYPES)('for random %s values, row by row and chunk by chunk', async (type: PgType) => {
    const name = `h_${type.replace(/ /g, '_')}`;
    const target = table(name, [column('i', 'bigint'), column('v', type), column('w', type)], 'i');
    await pool().query(`CREATE TABLE ${quoteIdent(name)} (i bigint PRIMARY KEY, v ${type}, w ${type})`);
    const hashRow = rowHasher(target.columns);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(valuesFor(type), valuesFor(type)), {
          minLength: 1,
          maxLength: 100,
          size: 'medium',
        }),
        async (pairs) => {
          await pool().query(`TRUNCATE ${quoteIdent(name)}`);
          const rows = pairs.map(([v, w], i) => accepted(target.columns, [BigInt(i * 7 - 100), v, w]));
          await insert(target, rows);
          const pg = await pgHashes(target);
          const mismatches = rows.flatMap((row) => {
            const js = hashValue(hashRow(row)).toString();
            const theirs = pg.get(String(row[0]));
            return js === theirs ? [] : [{ row: row.map(String), js, pg: theirs }];
          });
          expect(mismatches).toEqual([]);
          const plan = planChunks(target, { rows: rows.length, min: rows[0]![0]!, max: rows.at(-1)![0]! }, 7);
          const summaries = await pgSummaries(target, plan);
          expect(sorted(summaries)).toEqual(sorted(jsSummaries(target, plan, rows)));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('for random values of every storage class in a variant (no declared type) column and key', async () => {
    const target = table(
      'h_variant',
      [column('k', 'jsonb', 'text', true), column('v', 'jsonb', 'text', true)],
      'k',
    );
    await pool().query('CREATE TABLE h_variant (k jsonb PRIMARY KEY, v jsonb)');
    const hashRow = rowHasher(target.columns);
    await fc.assert(
      fc.asyncProperty(fc.array(variantValues(), { minLength: 1, maxLength: 60 }), async (values) => {
        await pool().query('TRUNCATE h_variant');
        const rows = values.map((v, i) => accepted(target.columns, [i % 2 === 0 ? BigInt(i) : `k${i}`, v]));
        await insert(target, rows);
        const r = await pool().query({
          text: `SELECT t.k::text, ${pgRowHashSql(target.columns)}::text FROM h_variant AS t`,
          ...RAW_TEXT_ROWS,
        });
        const pg = new Map((r.rows as [string, string][]).map(([k, h]) => [k, h]));
        const encodeKey = encoderFor(target.columns[0]!);
        const mismatches = rows.flatMap((row) => {
          const js = hashValue(hashRow(row)).toString();
          const theirs = pg.get(encodeKey(row[0]!)!);
          return js === theirs ? [] : [{ row: row.map(String), js, pg: theirs }];
        });
        expect(mismatches).toEqual([]);
        const plan: ChunkPlan = { kind: 'bucket', buckets: 3 };
        expect(sorted(await pgSummaries(target, plan))).toEqual(sorted(jsSummaries(target, plan, rows)));
      }),
      { numRuns: 15 },
    );
  });

  it('for a text key cut into hash buckets, with every type in the row', async () => {
    const columns = [column('k', 'text'), ...PG_TYPES.map((t, i) => column(`c${i}`, t))];
    const target = table('h_bucket', columns, 'k');
    await pool().query(
      `CREATE TABLE h_bucket (k text PRIMARY KEY, ${PG_TYPES.map((t, i) => `c${i} ${t}`).join(', ')})`,
    );
    const rowArb = fc.tuple(...PG_TYPES.map((t) => valuesFor(t)));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }).filter((s) => !s.includes('\0')),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        fc.array(rowArb, { minLength: 40, maxLength: 40 }),
        async (keys, values) => {
          await pool().query('TRUNCATE h_bucket');
          const rows = keys.map((k, i) => accepted(columns, [k, ...values[i]!]));
          await insert(target, rows);
          const plan: ChunkPlan = { kind: 'bucket', buckets: 5 };
          const summaries = await pgSummaries(target, plan);
          expect(sorted(summaries)).toEqual(sorted(jsSummaries(target, plan, rows)));
        },
      ),
      { numRuns: 10 },
    );
  });
});

type Accepted = Extract<CodecCase, { expect: string | null }>;
const acceptedCases = CODEC_CASES.filter((c): c is Accepted => 'expect' in c);

describe('row hash of every accepted codec case', () => {
  it.each([...new Set(acceptedCases.map((c) => c.type))])('%s', async (type) => {
    const cases = acceptedCases.filter((c) => c.type === type);
    const name = `case_${type.replace(/ /g, '_')}`;
    await pool().query(`CREATE TABLE ${quoteIdent(name)} (i bigint PRIMARY KEY, v ${type})`);
    for (const [i, c] of cases.entries()) {
      const encoded = encoderFor(column('v', type, c.timeInput ?? 'text', c.variant))(c.input);
      await pool().query(`INSERT INTO ${quoteIdent(name)} VALUES ($1, $2::${type})`, [i, encoded]);
    }
    const pg = await pgHashes(table(name, [column('i', 'bigint'), column('v', type)], 'i'));
    const mismatches = cases.flatMap((c, i) => {
      const js = hashValue(
        rowHasher([column('i', 'bigint'), column('v', type, c.timeInput ?? 'text', c.variant)])([
          BigInt(i),
          c.input,
        ]),
      );
      return js.toString() === pg.get(String(i))
        ? []
        : [{ input: String(c.input), expect: c.expect, js, pg: pg.get(String(i)) }];
    });
    expect(mismatches).toEqual([]);
  });
});

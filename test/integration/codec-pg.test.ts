import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BinaryCopyOut,
  binaryRowEncoder,
  CodecError,
  decoderFor,
  encoderFor,
  renderValue,
  sameValue,
} from '../../src/codec/index.js';
import { type SqlValue, storageClassOf } from '../../src/model/sql-value.js';
import { PG_TYPES, type PgType, type TimeInput } from '../../src/model/target-schema.js';
import { CopyWriter } from '../../src/pg/copy-writer.js';
import { RAW_TEXT_ROWS } from '../../src/pg/pool.js';
import { CODEC_CASES, type CodecCase } from '../support/codec-cases.js';
import { useBridgePool, useTestDatabase } from '../support/pg.js';
import { valuesFor } from '../support/row-hash-values.js';

const db = useTestDatabase();
const pool = useBridgePool(db);

type Accepted = Extract<CodecCase, { expect: string | null }>;
const accepted = CODEC_CASES.filter((c): c is Accepted => 'expect' in c);
const types = [...new Set(accepted.map((c) => c.type))] as PgType[];

interface Value {
  readonly input: SqlValue;
  readonly timeInput?: TimeInput | undefined;
  readonly variant?: boolean | undefined;
}

/** The codec column of one value of `type`. */
const codecColumn = (type: PgType, value: Value) => ({
  name: 'col',
  type,
  timeInput: value.timeInput ?? 'text',
  ...(value.variant === true ? { variant: true } : {}),
});

/** Loads `values` into `table (i int, v type)` with binary COPY, exactly as the snapshot sends them. */
async function copyBinary(table: string, type: PgType, values: readonly Value[]): Promise<void> {
  await pool().query(`CREATE TABLE ${table} (i int PRIMARY KEY, v ${type})`);
  const out = new BinaryCopyOut(64);
  values.forEach((value, i) => {
    const encode = binaryRowEncoder([{ name: 'i', type: 'integer' }, codecColumn(type, value)]);
    encode([BigInt(i), value.input], out);
  });
  const client = await pool().connect();
  try {
    const writer = new CopyWriter(client, `COPY ${table} (i, v) FROM STDIN WITH (FORMAT binary)`);
    await writer.write(BinaryCopyOut.header());
    await writer.write(out.take());
    await writer.write(BinaryCopyOut.trailer());
    expect(await writer.end('copy')).toBe(values.length);
  } finally {
    client.release();
  }
}

/**
 * Loads the same values into `table (i int, v type)` as the encoder's text cast by PostgreSQL:
 * what sync's upserts send as query parameters.
 */
async function insertText(table: string, type: PgType, values: readonly Value[]): Promise<void> {
  const texts = values.map((v) => encoderFor(codecColumn(type, v))(v.input));
  await pool().query(`CREATE TABLE ${table} (i int PRIMARY KEY, v ${type})`);
  await pool().query(
    `INSERT INTO ${table} SELECT i - 1, v::${type} FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i)`,
    [texts],
  );
}

/** Rows whose stored values differ between two such tables, by PostgreSQL's own output text. */
async function differences(a: string, b: string): Promise<unknown[]> {
  const result = await pool().query({
    text: `SELECT i, a.v::text AS binary, b.v::text AS text FROM ${a} a FULL JOIN ${b} b USING (i)
            WHERE a.v::text IS DISTINCT FROM b.v::text OR a.i IS NULL OR b.i IS NULL`,
    ...RAW_TEXT_ROWS,
  });
  return result.rows;
}

/**
 * The codec's type matrix through a real server: every value the codec accepts goes in with
 * binary COPY exactly as the snapshot sends it, and what PostgreSQL prints back is the same value.
 */
describe.each(types)('%s values through PostgreSQL', (type) => {
  it('are accepted by binary COPY and read back as the same value', async () => {
    const cases = accepted.filter((c) => c.type === type);
    const table = `m_${type.replace(/ /g, '_')}`;
    await copyBinary(table, type, cases);
    const rows = (await pool().query({ text: `SELECT i, v FROM ${table} ORDER BY i`, ...RAW_TEXT_ROWS }))
      .rows as [string, string | null][];
    const mismatches = rows.flatMap(([i, text]) => {
      const c = cases[Number(i)]!;
      return sameValue(type, c.expect, text)
        ? []
        : [{ input: String(c.input), expected: c.expect, pg: text }];
    });
    expect(mismatches).toEqual([]);
    if (type === 'text' || type === 'bytea') {
      expect(rows.map(([, text]) => text)).toEqual(cases.map((c) => c.expect));
    }
    // A variant's value prints exactly as encoded, and decodes back to the SQLite value it was.
    const variants = rows.filter(([i]) => cases[Number(i)]!.variant === true);
    for (const [i, text] of variants) {
      const c = cases[Number(i)]!;
      expect(text).toBe(c.expect);
      const back = decoderFor(codecColumn(type, c))(text);
      expect(storageClassOf(back)).toBe(storageClassOf(c.input));
      expect(renderValue(back)).toBe(renderValue(c.input));
    }
    // The same values sent as the encoder's text store the same thing.
    await insertText(`${table}_text`, type, cases);
    expect(await differences(table, `${table}_text`)).toEqual([]);
  });
});

/**
 * Random values of every storage class for every type: binary COPY stores exactly what the
 * encoder's text stores, and refuses exactly what the encoder refuses.
 */
describe.each([...PG_TYPES])('random %s values', (type) => {
  it('store the same through binary COPY as through the encoder text', async () => {
    const samples = fc.sample(valuesFor(type), { numRuns: 400, seed: 20261205 });
    const encode = encoderFor({ name: 'col', type });
    const values: Value[] = [];
    let refused = 0;
    for (const input of samples) {
      try {
        encode(input);
        values.push({ input });
      } catch (error) {
        if (!(error instanceof CodecError)) throw error;
        refused++;
        const out = new BinaryCopyOut(16);
        const row = binaryRowEncoder([{ name: 'col', type }]);
        expect(() => row([input], out)).toThrow(error.message);
        expect(out.offset).toBe(0);
      }
    }
    expect(values.length).toBeGreaterThan(refused);
    const table = `r_${type.replace(/ /g, '_')}`;
    await copyBinary(table, type, values);
    await insertText(`${table}_text`, type, values);
    expect(await differences(table, `${table}_text`)).toEqual([]);
  });
});

it('covers every target type the codec knows', () => {
  expect(types.sort()).toEqual([...PG_TYPES].sort());
});

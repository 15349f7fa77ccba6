import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRowEncoder, encoderFor, sameValue } from '../../src/codec/index.js';
import { PG_TYPES, type PgType } from '../../src/model/target-schema.js';
import { CopyWriter } from '../../src/pg/copy-writer.js';
import { createPool, type PgPool, RAW_TEXT_ROWS } from '../../src/pg/pool.js';
import { CODEC_CASES, type CodecCase } from '../support/codec-cases.js';
import { useTestDatabase } from '../support/pg.js';

const db = useTestDatabase();
let pool: PgPool;

beforeAll(() => {
  pool = createPool(db.url(), { max: 2 });
});
afterAll(async () => {
  await pool.end();
});

type Accepted = Extract<CodecCase, { expect: string | null }>;
const accepted = CODEC_CASES.filter((c): c is Accepted => 'expect' in c);
const types = [...new Set(accepted.map((c) => c.type))] as PgType[];

/**
 * The codec's type matrix through a real server: every value the codec accepts goes in with
 * COPY exactly as the snapshot sends it, and what PostgreSQL prints back is the same value.
 */
describe.each(types)('%s values through PostgreSQL', (type) => {
  it('are accepted by COPY and read back as the same value', async () => {
    const cases = accepted.filter((c) => c.type === type);
    const table = `m_${type.replace(/ /g, '_')}`;
    await pool.query(`CREATE TABLE ${table} (i int PRIMARY KEY, v ${type})`);
    const line = cases.map((c, i) => {
      const encode = copyRowEncoder([
        encoderFor({ name: 'i', type: 'integer' }),
        encoderFor({ name: 'col', type, timeInput: c.timeInput ?? 'text' }),
      ]);
      return encode([BigInt(i), c.input]);
    });
    const client = await pool.connect();
    try {
      const writer = new CopyWriter(client, `COPY ${table} (i, v) FROM STDIN`);
      await writer.write(line.join(''));
      expect(await writer.end('copy')).toBe(cases.length);
    } finally {
      client.release();
    }
    const rows = (await pool.query({ text: `SELECT i, v FROM ${table} ORDER BY i`, ...RAW_TEXT_ROWS }))
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
  });
});

it('covers every target type the codec knows', () => {
  expect(types.sort()).toEqual([...PG_TYPES].sort());
});

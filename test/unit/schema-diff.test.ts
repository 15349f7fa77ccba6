import { describe, expect, test } from 'vitest';
import type { SourceIndex, SourceSchema, SourceTable } from '../../src/model/source-schema.js';
import { diffSchemas, isAddition } from '../../src/schema/schema-diff.js';
import { col, tbl } from './schema-helpers.js';

const schema = (...tables: SourceTable[]): SourceSchema => ({ tables, views: [], skipped: [] });
const index = (name: string, sql: string): SourceIndex => ({
  name,
  unique: false,
  origin: 'c',
  parts: [],
  where: null,
  sql,
});
const t = (extra: Partial<SourceTable> = {}, ...more: ReturnType<typeof col>[]) =>
  tbl('t', [col('id', 'INTEGER', { pkPosition: 1 }), col('v', 'TEXT'), ...more], extra);

describe('diffSchemas compares whole schemas', () => {
  test('several additions at once are each named, and all followable', () => {
    const before = schema(t());
    const after = schema(
      t(
        { indexes: [index('t_v', 'CREATE INDEX t_v ON t (v)')] },
        col('rating', 'INTEGER', { defaultSql: '3' }),
      ),
      tbl('u', [col('id', 'INTEGER', { pkPosition: 1 })]),
    );
    const changes = diffSchemas(before, after);
    expect(changes.map((c) => c.message)).toEqual([
      'table "u" was added',
      'column "t"."rating" was added',
      'index "t_v" on "t" was created',
    ]);
    expect(changes.every(isAddition)).toBe(true);
  });

  test('a dropped or redefined index, or a column redefined without a type change, is not followable', () => {
    const before = schema(
      t({ indexes: [index('a', 'CREATE INDEX a ON t (v)'), index('b', 'CREATE INDEX b ON t (v)')] }),
    );
    const after = schema(
      tbl(
        't',
        [col('id', 'INTEGER', { pkPosition: 1 }), col('v', 'TEXT', { notNull: true, defaultSql: "''" })],
        {
          indexes: [index('b', 'CREATE INDEX b ON t (v DESC)')],
        },
      ),
    );
    const changes = diffSchemas(before, after);
    expect(changes.map((c) => c.message)).toEqual([
      `column "t"."v" changed from NULL DEFAULT none to NOT NULL DEFAULT ''`,
      'index "a" on "t" was dropped',
      'index "b" on "t" was redefined',
    ]);
    expect(changes.some(isAddition)).toBe(false);
  });

  test('the same schema: no change', () => {
    expect(diffSchemas(schema(t()), schema(t()))).toEqual([]);
  });
});

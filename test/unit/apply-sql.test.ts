import { describe, expect, it } from 'vitest';
import type { TargetTable } from '../../src/model/target-schema.js';
import { tableApplySql } from '../../src/pg/apply-sql.js';
import { keyColumnIndexes } from '../../src/schema/key-columns.js';
import { translate } from '../../src/schema/translate.js';
import { col, opts, schemaOf, tbl } from './schema-helpers.js';

function users(): TargetTable {
  return translate(
    schemaOf(
      tbl('select', [col('id', 'INTEGER', { pkPosition: 1 }), col('e"mail', 'TEXT'), col('n', 'INT')], {
        indexes: [
          {
            name: 'u_mail',
            unique: true,
            origin: 'u',
            parts: [{ column: 'e"mail', expression: null, descending: false, collation: null }],
            where: null,
            sql: '',
          },
          {
            name: 'u_expr',
            unique: true,
            origin: 'c',
            parts: [{ column: null, expression: 'n + 1', descending: false, collation: null }],
            where: null,
            sql: '',
          },
        ],
      }),
    ),
    opts(),
  ).tables[0]!;
}

describe('apply SQL builders', () => {
  it('quotes identifiers, casts one array parameter per column and upserts on the key', () => {
    const sql = tableApplySql(users());
    expect(sql.keyColumns).toEqual([0]);
    expect(sql.deleteByKeys.text).toBe(
      'DELETE FROM "app"."select" AS t USING unnest($1::bigint[]) AS k(c0) WHERE t."id" = k.c0',
    );
    expect(sql.insert.text).toBe(
      'INSERT INTO "app"."select" ("id", "e""mail", "n") OVERRIDING SYSTEM VALUE ' +
        'SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS r(c0, c1, c2) ' +
        'ON CONFLICT ("id") DO UPDATE SET "e""mail" = EXCLUDED."e""mail", "n" = EXCLUDED."n"',
    );
    expect(sql.insert.columns).toEqual([0, 1, 2]);
    expect(sql.deleteFirst).toBe(false);
  });

  it('deletes rows colliding on a plain UNIQUE index under another key, and skips expression indexes', () => {
    const sql = tableApplySql(users());
    expect(sql.collisions.map((c) => c.statement.text)).toEqual([
      'DELETE FROM "app"."select" AS t USING unnest($1::text[], $2::bigint[]) AS n(c0, c1) ' +
        'WHERE t."e""mail" = n.c0 AND NOT (t."id" = n.c1)',
    ]);
    expect(sql.collisions[0]!.statement.columns).toEqual([1, 0]);
    expect(sql.uncheckedIndexes.map((u) => u.reason)).toEqual(['expression index']);
  });

  it('uses DO NOTHING when every column is in the key, and composite keys in key order', () => {
    const table = translate(
      schemaOf(tbl('pairs', [col('b', 'TEXT', { pkPosition: 2 }), col('a', 'INT', { pkPosition: 1 })])),
      opts(),
    ).tables[0]!;
    const sql = tableApplySql(table);
    expect(keyColumnIndexes(table)).toEqual([1, 0]);
    expect(sql.insert.text).toMatch(/ON CONFLICT \("a", "b"\) DO NOTHING$/);
    expect(sql.deleteByKeys.text).toMatch(
      /unnest\(\$1::bigint\[\], \$2::text\[\]\) AS k\(c0, c1\) WHERE t."a" = k.c0 AND t."b" = k.c1$/,
    );
  });

  it('keys a table without a primary key by its rowid column', () => {
    const table = translate(schemaOf(tbl('log', [col('msg', 'TEXT')])), opts()).tables[0]!;
    const sql = tableApplySql(table);
    expect(sql.keyColumns).toEqual([0]);
    expect(sql.deleteByKeys.text).toMatch(/WHERE t."_litebridge_rowid" = k.c0$/);
  });

  it('deletes then inserts without ON CONFLICT for a partitioned table', () => {
    const table = translate(
      schemaOf(
        tbl('ev', [col('id', 'INTEGER', { pkPosition: 1 }), col('at', 'DATETIME', { notNull: true })]),
      ),
      opts({ partitions: { ev: { column: 'at', interval: 'day' } } }),
    ).tables[0]!;
    const sql = tableApplySql(table);
    expect(sql.deleteFirst).toBe(true);
    expect(sql.insert.text).not.toMatch(/ON CONFLICT/);
    expect(sql.deleteByKeys.text).toMatch(/WHERE t."id" = k.c0$/);
  });

  it('names a statement by its text, so equal text shares one prepared statement', () => {
    expect(tableApplySql(users()).insert.name).toBe(tableApplySql(users()).insert.name);
    expect(tableApplySql(users()).insert.name).not.toBe(tableApplySql(users()).deleteByKeys.name);
  });
});

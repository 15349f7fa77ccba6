import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceIndex, SourceTable } from '../../src/model/source-schema.js';
import { tableApplySql } from '../../src/pg/apply-sql.js';
import { postDataSql } from '../../src/schema/ddl.js';
import {
  foldText,
  keyCollation,
  pgEquals,
  pgFolded,
  sourceKeyCollations,
  sqliteEquals,
  targetKeyCollations,
} from '../../src/schema/key-collation.js';
import { translate } from '../../src/schema/translate.js';
import { captureTriggersSql } from '../../src/sqlite/capture-sql.js';
import { col, opts, schemaOf, tbl } from './schema-helpers.js';

const FOLD = "translate(%, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";
const nocase = (expr: string): string => FOLD.replace('%', expr);

/** The primary-key index SQLite reports for a key of these (column, collation) parts. */
function pkIndex(parts: readonly [string, string | null][]): SourceIndex {
  return {
    name: 'sqlite_autoindex_t_1',
    unique: true,
    origin: 'pk',
    parts: parts.map(([column, collation]) => ({ column, expression: null, descending: false, collation })),
    where: null,
    sql: null,
  };
}

/** `airports (code TEXT PRIMARY KEY COLLATE NOCASE, email TEXT UNIQUE COLLATE NOCASE, n INT)`. */
function airports(): SourceTable {
  return tbl(
    'airports',
    [col('code', 'TEXT', { pkPosition: 1, collation: 'NOCASE' }), col('email', 'TEXT'), col('n', 'INT')],
    {
      indexes: [
        pkIndex([['code', 'NOCASE']]),
        {
          name: 'sqlite_autoindex_airports_2',
          unique: true,
          origin: 'u',
          parts: [{ column: 'email', expression: null, descending: false, collation: 'NOCASE' }],
          where: null,
          sql: null,
        },
      ],
    },
  );
}

describe('how SQLite compares a key', () => {
  it('names the built-in collations and leaves application-defined ones unknown', () => {
    expect([null, 'binary', 'NoCase', 'RTRIM', 'my_icu'].map(keyCollation)).toEqual([
      'binary',
      'binary',
      'nocase',
      'rtrim',
      null,
    ]);
  });

  it('folds only ASCII A–Z for NOCASE and only trailing spaces for RTRIM; other values as they are', () => {
    expect(foldText('YsSy-É-é', 'nocase')).toBe('yssy-É-é');
    expect(foldText('a b  ', 'rtrim')).toBe('a b');
    expect(foldText('a\t', 'rtrim')).toBe('a\t');
    expect(foldText('AB', 'binary')).toBe('AB');
    expect(foldText(7n, 'nocase')).toBe(7n);
  });

  it('renders equality in both dialects', () => {
    expect(sqliteEquals('"code"', '?', 'nocase')).toBe('"code" = ? COLLATE NOCASE');
    expect(sqliteEquals('"id"', '?', 'binary')).toBe('"id" = ? COLLATE BINARY');
    expect(pgEquals('t."code"', 'k.c0', 'nocase')).toBe(`${nocase('t."code"')} = ${nocase('k.c0')}`);
    expect(pgEquals('t."g"', 'k.c0', 'rtrim')).toBe(`rtrim(t."g", ' ') = rtrim(k.c0, ' ')`);
    expect(pgFolded('t."id"', 'binary')).toBe('t."id"');
  });

  it('agrees with SQLite on which texts are equal, for random texts', () => {
    const db = new Database(':memory:');
    const same = db.prepare('SELECT ? = ? COLLATE NOCASE, ? = ? COLLATE RTRIM').raw(true).pluck(false);
    const text = fc.string({
      unit: fc.constantFrom('a', 'A', 'z', 'Z', 'é', 'É', ' ', '\t', 'ß', '@'),
      maxLength: 6,
    });
    fc.assert(
      fc.property(text, text, (a, b) => {
        const [nc, rt] = same.get(a, b, a, b) as [number, number];
        expect(foldText(a, 'nocase') === foldText(b, 'nocase')).toBe(nc === 1);
        expect(foldText(a, 'rtrim') === foldText(b, 'rtrim')).toBe(rt === 1);
      }),
      { numRuns: 2000 },
    );
    db.close();
  });

  it("reads a key's collations from its index: the column's or the constraint's", () => {
    expect(sourceKeyCollations(airports())).toEqual(['nocase']);
    const composite = tbl(
      'stands',
      [col('terminal', 'TEXT', { pkPosition: 1 }), col('stand', 'TEXT', { pkPosition: 2 })],
      {
        indexes: [
          pkIndex([
            ['terminal', 'NOCASE'],
            ['stand', null],
          ]),
        ],
      },
    );
    expect(sourceKeyCollations(composite)).toEqual(['nocase', 'binary']);
    expect(sourceKeyCollations(tbl('log', [col('line', 'TEXT')]))).toEqual(['binary']);
  });
});

describe('a NOCASE key in PostgreSQL', () => {
  const target = () => translate(schemaOf(airports()), opts()).tables[0]!;

  it('keeps the primary key on the column and adds a unique index on the folded value, built with the key', () => {
    const t = target();
    expect(targetKeyCollations(t)).toEqual(['nocase']);
    expect(t.indexes.map((ix) => [ix.name, ix.parts, ix.primaryKeyFold === true])).toEqual([
      ['airports_pkey_folded', [`(${nocase('"code"')})`], true],
      ['airports_email_key', [`(${nocase('"email"')})`], false],
    ]);
    const ddl = postDataSql(t);
    expect(ddl.primaryKeyIndex).toEqual([
      'CREATE UNIQUE INDEX "airports_pkey" ON "app"."airports" ("code")',
      `CREATE UNIQUE INDEX "airports_pkey_folded" ON "app"."airports" ((${nocase('"code"')}))`,
    ]);
    expect(ddl.indexes).toEqual([
      `CREATE UNIQUE INDEX "airports_email_key" ON "app"."airports" ((${nocase('"email"')}))`,
    ]);
  });

  it('says in the plan which index enforces it and what it costs', () => {
    const s = translate(schemaOf(airports()), opts());
    const info = s.notes.filter((n) => n.level === 'info').map((n) => n.message);
    expect(info.join('\n')).toMatch(
      /primary key: code ignores ASCII case \(A–Z only\) in SQLite; .* unique index airports_pkey_folded .*: one extra index/,
    );
  });

  it('upserts on the folded index (updating the key column too), deletes and finds collisions by folded value', () => {
    const sql = tableApplySql(target());
    expect(sql.insert.text).toBe(
      'INSERT INTO "app"."airports" ("code", "email", "n") SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS r(c0, c1, c2) ' +
        `ON CONFLICT ((${nocase('"code"')})) DO UPDATE SET "code" = EXCLUDED."code", "email" = EXCLUDED."email", "n" = EXCLUDED."n"`,
    );
    expect(sql.deleteByKeys.text).toBe(
      `DELETE FROM "app"."airports" AS t USING unnest($1::text[]) AS k(c0) WHERE ${nocase('t."code"')} = ${nocase('k.c0')}`,
    );
    expect(sql.collisions.map((c) => [c.index, c.statement.text])).toEqual([
      [
        'airports_email_key',
        'DELETE FROM "app"."airports" AS t USING unnest($1::text[], $2::text[]) AS n(c0, c1) ' +
          `WHERE ${nocase('t."email"')} = ${nocase('n.c0')} AND NOT (${nocase('t."code"')} = ${nocase('n.c1')})`,
      ],
    ]);
  });

  it('captures key changes and REPLACE collisions compared with the collations', () => {
    const sql = new Map(captureTriggersSql(airports()).map((t) => [t.name, t.sql]));
    const changed = 'OLD."code" IS NOT NEW."code" COLLATE NOCASE';
    expect(sql.get('_litebridge_airports_upd')).toContain(`WHEN NOT (${changed}) AND`);
    expect(sql.get('_litebridge_airports_upk')).toContain(`WHEN (${changed}) AND`);
    expect(sql.get('_litebridge_airports_rpi')).toContain(
      'WHERE t."email" = NEW."email" COLLATE NOCASE AND NOT (t."code" IS NEW."code" COLLATE NOCASE)',
    );
  });

  it('checks a NOCASE UNIQUE index on a BINARY key for collisions: two keys may share its value', () => {
    const t = translate(
      schemaOf(
        tbl('crews', [col('code', 'TEXT', { pkPosition: 1 })], {
          indexes: [
            pkIndex([['code', null]]),
            {
              name: 'crews_code',
              unique: true,
              origin: 'c',
              parts: [{ column: 'code', expression: null, descending: false, collation: 'NOCASE' }],
              where: null,
              sql: '',
            },
          ],
        }),
      ),
      opts(),
    ).tables[0]!;
    const sql = tableApplySql(t);
    expect(sql.insert.text).toMatch(/ON CONFLICT \("code"\) DO NOTHING$/);
    expect(sql.collisions.map((c) => c.statement.text)).toEqual([
      'DELETE FROM "app"."crews" AS t USING unnest($1::text[]) AS n(c0) ' +
        `WHERE ${nocase('t."code"')} = ${nocase('n.c0')} AND NOT (t."code" = n.c0)`,
    ]);
  });

  it('leaves a NOCASE key of a non-text column alone (SQLite folds only TEXT values)', () => {
    const t = translate(
      schemaOf(
        tbl('n', [col('id', 'BIGINT', { pkPosition: 1, collation: 'NOCASE' })], {
          indexes: [pkIndex([['id', 'NOCASE']])],
        }),
      ),
      opts(),
    ).tables[0]!;
    expect(targetKeyCollations(t)).toEqual(['binary']);
    expect(t.indexes).toEqual([]);
  });
});

describe('a foreign key to a NOCASE unique column', () => {
  it('gets a plain unique index beside the folded one, so PostgreSQL can create it', () => {
    const parent = tbl(
      'pilots',
      [col('id', 'INTEGER', { pkPosition: 1 }), col('email', 'TEXT', { collation: 'NOCASE' })],
      {
        indexes: [
          {
            name: 'sqlite_autoindex_pilots_1',
            unique: true,
            origin: 'u',
            parts: [{ column: 'email', expression: null, descending: false, collation: 'NOCASE' }],
            where: null,
            sql: null,
          },
        ],
      },
    );
    const child = tbl('logs', [col('id', 'INTEGER', { pkPosition: 1 }), col('pilot', 'TEXT')], {
      foreignKeys: [
        {
          id: 0,
          columns: ['pilot'],
          referencedTable: 'pilots',
          referencedColumns: ['email'],
          onUpdate: 'NO ACTION',
          onDelete: 'NO ACTION',
          deferred: false,
        },
      ],
    });
    const s = translate(schemaOf(parent, child), opts());
    expect(s.tables[0]!.indexes.map((ix) => [ix.name, ix.parts])).toEqual([
      ['pilots_email_key', [`(${nocase('"email"')})`]],
      ['pilots_email_plain_key', ['"email"']],
    ]);
    expect(s.tables[1]!.foreignKeys.map((fk) => fk.referencedColumns)).toEqual([['email']]);
    const warnings = s.notes.filter((n) => n.level === 'warning').map((n) => n.message);
    expect(warnings.join('\n')).not.toMatch(/is not created/);
    expect(warnings.join('\n')).toMatch(
      /foreign key \(pilot\) → pilots: SQLite matches pilot to the parent key/,
    );
    // Without a referencing foreign key, no plain twin.
    expect(translate(schemaOf(parent), opts()).tables[0]!.indexes.map((ix) => ix.name)).toEqual([
      'pilots_email_key',
    ]);
  });
});

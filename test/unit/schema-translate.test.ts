import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../src/errors.js';
import type { TargetSchema } from '../../src/model/target-schema.js';
import { ROWID_COLUMN, translate } from '../../src/schema/translate.js';
import { defaultTypeRule } from '../../src/schema/type-rules.js';
import { col, opts, schemaOf, tbl } from './schema-helpers.js';

const pk = { pkPosition: 1 };

function thrown(fn: () => unknown): BridgeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BridgeError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

const notes = (s: TargetSchema, level?: string): string[] =>
  s.notes.filter((n) => level === undefined || n.level === level).map((n) => n.message);

describe('type rules', () => {
  it.each([
    ['INT', 'bigint'],
    ['INTEGER', 'bigint'],
    ['TINYINT', 'bigint'],
    ['SMALLINT', 'bigint'],
    ['MEDIUMINT', 'bigint'],
    ['BIGINT', 'bigint'],
    ['INT2', 'bigint'],
    ['INT8', 'bigint'],
    ['UNSIGNED BIG INT', 'bigint'],
    ['REAL', 'double precision'],
    ['FLOAT', 'double precision'],
    ['DOUBLE', 'double precision'],
    ['DOUBLE PRECISION', 'double precision'],
    ['CHAR(3)', 'text'],
    ['VARCHAR(50)', 'text'],
    ['NVARCHAR(10)', 'text'],
    ['CLOB', 'text'],
    ['TEXT', 'text'],
    ['BLOB', 'bytea'],
    ['', 'jsonb'],
    ['NUMERIC', 'numeric'],
    ['DECIMAL(10,2)', 'numeric'],
    ['BOOLEAN', 'boolean'],
    ['bool', 'boolean'],
    ['DATETIME', 'timestamp'],
    ['TIMESTAMP', 'timestamp'],
    ['DATE', 'date'],
    ['TIME', 'text'],
    ['JSON', 'jsonb'],
    ['JSONB', 'jsonb'],
    ['POINT', 'bigint'], // contains INT: SQLite's affinity rule 1
    // NUMERIC affinity without a number type: text keeps text, integers and reals alike.
    ['STRING', 'text'],
    ['MONEY', 'text'],
    ['UUID', 'text'],
    ['DATETIME2', 'text'],
    ['NUMBER', 'text'],
    ['FLOATING', 'double precision'],
  ])('%s → %s', (declared, type) => {
    const rule = defaultTypeRule(declared, { timestamptz: false });
    expect(rule.type).toBe(type);
    expect(rule.reason).toMatch(/\.$/);
  });

  it('uses timestamptz for DATETIME when asked', () => {
    expect(defaultTypeRule('DATETIME', { timestamptz: true }).type).toBe('timestamptz');
    expect(defaultTypeRule('TIMESTAMP', { timestamptz: true }).type).toBe('timestamptz');
  });

  it('says so when a column has no declared type, and makes it (and STRICT ANY) a variant', () => {
    expect(defaultTypeRule('', { timestamptz: false }).reason).toMatch(/No declared type/);
    expect(defaultTypeRule('', { timestamptz: false }).variant).toBe(true);
    expect(defaultTypeRule('ANY', { timestamptz: false, strict: true })).toMatchObject({
      type: 'jsonb',
      variant: true,
    });
    expect(defaultTypeRule('ANY', { timestamptz: false }).type).toBe('text');
    expect(defaultTypeRule('JSON', { timestamptz: false }).variant).toBeUndefined();
  });
});

describe('translate: columns and keys', () => {
  it('keeps names exactly, puts tables in the schema, gives the rowid alias an identity', () => {
    const s = translate(
      schemaOf(
        tbl('Flights', [
          col('ID', 'INTEGER', pk),
          col('CallSign', 'VARCHAR(20)', { notNull: true }),
          col('alt', 'SMALLINT'),
        ]),
      ),
      opts(),
    );
    const t = s.tables[0]!;
    expect(t).toMatchObject({
      schema: 'app',
      name: 'Flights',
      source: 'Flights',
      primaryKey: ['ID'],
      identityColumn: 'ID',
    });
    expect(t.key).toEqual({ kind: 'primary-key', columns: ['ID'] });
    expect(t.columns.map((c) => [c.name, c.type, c.notNull, c.identity])).toEqual([
      ['ID', 'bigint', true, true],
      ['CallSign', 'text', true, false],
      ['alt', 'bigint', false, false],
    ]);
    expect(t.columns.every((c) => c.reason.length > 10)).toBe(true);
  });

  it('adds a synthetic rowid key to tables without a primary key, avoiding shadowed aliases', () => {
    const s = translate(schemaOf(tbl('log', [col('rowid', 'TEXT'), col('msg', 'TEXT')])), opts());
    const t = s.tables[0]!;
    expect(t.columns[0]).toMatchObject({
      name: ROWID_COLUMN,
      type: 'bigint',
      identity: true,
      source: { kind: 'rowid', name: '_rowid_' },
    });
    expect(t.primaryKey).toEqual([ROWID_COLUMN]);
    expect(t.key).toEqual({ kind: 'rowid', alias: '_rowid_' });
    expect(t.identityColumn).toBe(ROWID_COLUMN);
    expect(notes(s, 'warning').join('\n')).toMatch(/VACUUM may renumber rowids/);
  });

  it('refuses a rowid table whose rowid names are all shadowed', () => {
    const e = thrown(() =>
      translate(schemaOf(tbl('x', [col('ROWID', ''), col('_rowid_', ''), col('oid', '')])), opts()),
    );
    expect(e.code).toBe('DATA');
  });

  it('keeps non-alias primary keys (which may hold NULLs in SQLite) and marks AUTOINCREMENT', () => {
    const s = translate(
      schemaOf(
        tbl('a', [col('k', 'TEXT', { pkPosition: 2 }), col('j', 'INT', { pkPosition: 1 })]),
        tbl('b', [col('id', 'INTEGER', pk)], { autoincrement: true }),
        tbl('c', [col('k', 'TEXT', pk), col('v', 'INT')], { withoutRowid: true }),
      ),
      opts(),
    );
    const [a, b, c] = s.tables;
    expect(a!.primaryKey).toEqual(['j', 'k']);
    expect(a!.columns.map((x) => x.notNull)).toEqual([false, false]);
    expect(a!.identityColumn).toBeNull();
    expect(b).toMatchObject({ autoincrement: true, identityColumn: 'id' });
    expect(c!.columns[0]!.notNull).toBe(true);
  });

  it('notes generated columns, collations and views', () => {
    const source = {
      ...schemaOf(
        tbl('t', [
          col('id', 'INTEGER', pk),
          col('name', 'TEXT', { collation: 'NOCASE' }),
          col('g', 'INT', { generated: { expression: 'id * 2', stored: true } }),
        ]),
      ),
      views: [{ name: 'v', sql: 'CREATE VIEW v AS SELECT 1' }],
      skipped: [
        { name: 'f', reason: 'virtual table (module fts5): its contents live outside ordinary tables' },
      ],
    };
    const s = translate(source, opts());
    expect(s.tables[0]!.columns.map((c) => c.name)).toEqual(['id', 'name', 'g']);
    expect(notes(s, 'warning').join('\n')).toMatch(/generated column g .* plain column/);
    expect(notes(s, 'warning').join('\n')).toMatch(/NOCASE/);
    expect(notes(s, 'warning').join('\n')).toMatch(/f is not copied: virtual table/);
    expect(notes(s, 'info')).toContain('view v is not copied');
  });
});

describe('translate: defaults', () => {
  const d = (declared: string, defaultSql: string, options = opts()) => {
    const s = translate(
      schemaOf(tbl('t', [col('id', 'INTEGER', pk), col('c', declared, { defaultSql })])),
      options,
    );
    return { sql: s.tables[0]!.columns[1]!.default, notes: notes(s, 'warning') };
  };

  it('renders literals for the target type', () => {
    expect(d('BOOLEAN', '0').sql).toBe("'f'::boolean");
    expect(d('BOOLEAN', 'TRUE').sql).toBe("'t'::boolean");
    expect(d('INTEGER', '-5').sql).toBe("'-5'::bigint");
    expect(d('INTEGER', "'7'").sql).toBe("'7'::bigint");
    expect(d('INTEGER', '0x10').sql).toBe("'16'::bigint");
    expect(d('REAL', '1.5').sql).toBe("'1.5'::double precision");
    expect(d('REAL', '-1.5').sql).toBe("'-1.5'::double precision");
    expect(d('TEXT', "'it''s'").sql).toBe("'it''s'::text");
    expect(d('TEXT', '3').sql).toBe("'3'::text");
    expect(d('TEXT', 'NULL').sql).toBe('NULL');
    expect(d('BLOB', "x'00ff'").sql).toBe("'\\x00ff'::bytea");
    expect(d('JSON', `'{"a":1}'`).sql).toBe(`'{"a":1}'::jsonb`);
    expect(d('DATE', "'2025-07-24'").sql).toBe("'2025-07-24'::date");
  });

  it('translates constant expressions with SQLite meaning for the column type', () => {
    expect(d('BOOLEAN', 'FALSE').sql).toBe("'f'::boolean");
    expect(d('BOOLEAN', '(1 = 1)').sql).toBe('(1 = 1)');
    expect(d('BOOLEAN', '(NOT 0)').sql).toBe('(NOT 0 <> 0)');
    expect(d('INTEGER', '(2 > 1)').sql).toBe('((2 > 1)::int)');
    expect(d('INTEGER', '(7 / 2)').sql).toBe('(7 / 2)');
    const r = d('BOOLEAN', '(1 + 1)');
    expect(r.sql).toBeNull();
    expect(r.notes.join('\n')).toMatch(
      /DEFAULT \(1 \+ 1\): an integer expression cannot be the default of a boolean column/,
    );
  });

  it('drops literals the type cannot take, with a warning', () => {
    const r = d('INTEGER', "'x'");
    expect(r.sql).toBeNull();
    expect(r.notes.join('\n')).toMatch(/DEFAULT 'x' is not a valid bigint value/);
    expect(d('BOOLEAN', '2').sql).toBeNull();
    expect(d('INTEGER', '1.5').sql).toBeNull();
  });

  it('translates current-time defaults in UTC, in SQLite text format for text columns', () => {
    expect(d('DATETIME', 'CURRENT_TIMESTAMP').sql).toBe("(now() AT TIME ZONE 'UTC')");
    expect(d('DATETIME', "datetime('now')").sql).toBe("(now() AT TIME ZONE 'UTC')");
    expect(d('DATETIME', 'CURRENT_TIMESTAMP', opts({ timestamptz: true })).sql).toBe('now()');
    expect(d('DATE', 'CURRENT_DATE').sql).toBe("(now() AT TIME ZONE 'UTC')::date");
    expect(d('DATE', "date('now')").sql).toBe("(now() AT TIME ZONE 'UTC')::date");
    expect(d('TEXT', 'CURRENT_TIMESTAMP').sql).toBe(
      "to_char((now() AT TIME ZONE 'UTC'), 'YYYY-MM-DD HH24:MI:SS')",
    );
    expect(d('TEXT', 'CURRENT_TIME').sql).toBe("to_char((now() AT TIME ZONE 'UTC'), 'HH24:MI:SS')");
    expect(d('DATE', 'CURRENT_TIMESTAMP').sql).toBeNull();
    expect(d('DATETIME', "datetime('now', 'localtime')").sql).toBeNull();
  });

  it('translates other expressions or drops them', () => {
    expect(d('INTEGER', '1 + 1').sql).toBe('(1 + 1)');
    expect(d('TEXT', "lower('ABC')").sql).toBe("(lower('ABC'))");
    expect(d('TEXT', 'random()').notes.join('\n')).toMatch(/function random has no PostgreSQL equivalent/);
  });
});

describe('translate: overrides', () => {
  const source = schemaOf(
    tbl('t', [col('id', 'INTEGER', pk), col('at', 'INTEGER'), col('secret', 'TEXT'), col('Old', 'TEXT')]),
    tbl('gone', [col('id', 'INTEGER', pk)]),
  );

  it('applies cast, rename, skip, timeInput and table skip/rename', () => {
    const s = translate(
      source,
      opts({
        tables: {
          t: {
            rename: 'things',
            columns: {
              at: { cast: 'timestamptz', timeInput: 'unixepoch' },
              secret: { skip: true },
              old: { rename: 'new' },
            },
          },
          gone: { skip: true },
        },
      }),
    );
    expect(s.tables.map((t) => t.name)).toEqual(['things']);
    const t = s.tables[0]!;
    expect(t.columns.map((c) => [c.source.name, c.name, c.type, c.timeInput])).toEqual([
      ['id', 'id', 'bigint', 'text'],
      ['at', 'at', 'timestamptz', 'unixepoch'],
      ['Old', 'new', 'text', 'text'],
    ]);
    expect(t.columns[1]!.reason).toMatch(/by configuration/);
    expect(notes(s, 'info')).toContain('table gone is skipped by configuration');
  });

  it('throws BAD_CONFIG naming a missing table or column', () => {
    const e1 = thrown(() => translate(source, opts({ tables: { nope: { skip: true } } })));
    expect(e1.code).toBe('BAD_CONFIG');
    expect(e1.message).toMatch(/nope/);
    const e2 = thrown(() =>
      translate(source, opts({ tables: { t: { columns: { ghost: { skip: true } } } } })),
    );
    expect(e2.message).toMatch(/ghost/);
    const e3 = thrown(() => translate(source, opts({ tables: { t: { columns: { id: { skip: true } } } } })));
    expect(e3.message).toMatch(/primary key/);
    const e4 = thrown(() =>
      translate(source, opts({ tables: { t: { columns: { secret: { timeInput: 'unixepoch' } } } } })),
    );
    expect(e4.code).toBe('BAD_CONFIG');
  });
});

describe('translate: names', () => {
  it('refuses names longer than 63 UTF-8 bytes, naming every offender', () => {
    const long = 'é'.repeat(32); // 32 characters, 64 bytes
    const e = thrown(() =>
      translate(
        schemaOf(
          tbl(long, [col('id', 'INTEGER', pk)]),
          tbl('t', [col('id', 'INTEGER', pk), col('c'.repeat(64), 'TEXT')]),
        ),
        opts(),
      ),
    );
    expect(e.code).toBe('DATA');
    expect(e.message).toContain(long);
    expect(e.message).toContain('c'.repeat(64));
    expect(e.message).toMatch(/64 bytes/);
  });

  it('accepts a 63-byte name', () => {
    const name = 'é'.repeat(31) + 'x'; // 63 bytes
    expect(translate(schemaOf(tbl(name, [col('id', 'INTEGER', pk)])), opts()).tables[0]!.name).toBe(name);
  });

  it('refuses two tables or columns that map to the same PostgreSQL name', () => {
    const source = schemaOf(
      tbl('a', [col('id', 'INTEGER', pk), col('x', 'TEXT')]),
      tbl('b', [col('id', 'INTEGER', pk)]),
    );
    const e = thrown(() =>
      translate(source, opts({ tables: { b: { rename: 'a' }, a: { columns: { x: { rename: 'id' } } } } })),
    );
    expect(e.code).toBe('DATA');
    expect(e.message).toMatch(/"a", "b" would all be named "a"/);
    expect(e.message).toMatch(/"id", "x" would all be named "id"/);
    const e2 = thrown(() => translate(schemaOf(tbl('log', [col(ROWID_COLUMN, 'INT')])), opts()));
    expect(e2.message).toContain(ROWID_COLUMN);
  });

  it('skips an index that duplicates the primary key or an earlier index, with a note', () => {
    const s = translate(
      schemaOf(
        tbl('t', [col('id', 'INTEGER', pk), col('a', 'TEXT')], {
          indexes: [
            { name: 'ix_t_id', unique: false, origin: 'c', parts: [part('id')], where: null, sql: '' },
            { name: 'ix_a', unique: false, origin: 'c', parts: [part('a')], where: null, sql: '' },
            { name: 'idx_a', unique: false, origin: 'c', parts: [part('a')], where: null, sql: '' },
            { name: 'ux_a', unique: true, origin: 'c', parts: [part('a')], where: null, sql: '' },
          ],
        }),
      ),
      opts(),
    );
    expect(s.tables[0]!.indexes.map((i) => i.name)).toEqual(['ix_a', 'ux_a']);
    const notes = s.notes.map((n) => n.message);
    expect(notes).toContain('index ix_t_id is not created: it duplicates the primary key');
    expect(notes).toContain('index idx_a is not created: it duplicates index ix_a');
  });

  it('keeps short unique index names and derives short unique ones otherwise', () => {
    const longIndex = 'ix_'.padEnd(80, 'z');
    const s = translate(
      schemaOf(
        tbl('t', [col('id', 'INTEGER', pk), col('a', 'TEXT'), col('b', 'TEXT')], {
          indexes: [
            { name: 'ix_a', unique: false, origin: 'c', parts: [part('a')], where: null, sql: '' },
            { name: longIndex, unique: false, origin: 'c', parts: [part('b')], where: null, sql: '' },
            { name: 'u', unique: false, origin: 'c', parts: [part('b'), part('a')], where: null, sql: '' },
            {
              name: 'sqlite_autoindex_t_1',
              unique: true,
              origin: 'u',
              parts: [part('a'), part('b')],
              where: null,
              sql: null,
            },
            {
              name: 'sqlite_autoindex_t_2',
              unique: true,
              origin: 'pk',
              parts: [part('id')],
              where: null,
              sql: null,
            },
          ],
        }),
        tbl('u', [col('id', 'INTEGER', pk)]),
      ),
      opts(),
    );
    const names = s.tables[0]!.indexes.map((i) => i.name);
    expect(names[0]).toBe('ix_a');
    expect(Buffer.byteLength(names[1]!)).toBeLessThanOrEqual(63);
    expect(names[1]).toMatch(/^ix_z+_[0-9a-f]{8}$/);
    expect(names[2]).toMatch(/^u_[0-9a-f]{8}$/); // "u" is a table in the same schema
    expect(names[3]).toBe('t_a_b_key');
    expect(names).toHaveLength(4);
    expect(s.tables[0]!.primaryKeyName).toBe('t_pkey');
  });
});

function part(column: string) {
  return { column, expression: null, descending: false, collation: null };
}

describe('translate: indexes, checks and foreign keys', () => {
  it('translates expression and partial indexes, drops what it cannot, warns on NOCASE uniqueness', () => {
    const s = translate(
      schemaOf(
        tbl('t', [col('id', 'INTEGER', pk), col('name', 'TEXT'), col('n', 'INT')], {
          indexes: [
            {
              name: 'ix_expr',
              unique: false,
              origin: 'c',
              parts: [
                { column: null, expression: 'lower(name)', descending: true, collation: null },
                part('n'),
              ],
              where: 'n > 0',
              sql: '',
            },
            {
              name: 'ix_glob',
              unique: false,
              origin: 'c',
              parts: [part('n')],
              where: "name GLOB 'a*'",
              sql: '',
            },
            {
              name: 'ix_nocase',
              unique: true,
              origin: 'c',
              parts: [{ ...part('name'), collation: 'NOCASE' }],
              where: null,
              sql: '',
            },
          ],
          checks: [
            { name: null, expression: 'n >= 0' },
            { name: 'named', expression: 'length(name) < 10' },
            { name: null, expression: "name GLOB '*'" },
          ],
        }),
      ),
      opts(),
    );
    const t = s.tables[0]!;
    expect(t.indexes.map((i) => [i.name, i.unique, i.parts, i.where])).toEqual([
      ['ix_expr', false, ['(lower("name")) DESC', '"n"'], '"n" > 0'],
      [
        'ix_nocase',
        true,
        ["(translate(\"name\", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'))"],
        null,
      ],
    ]);
    expect(t.checks).toEqual([
      { name: 't_check', expression: '"n" >= 0', source: 'n >= 0' },
      { name: 'named', expression: 'length("name") < 10', source: 'length(name) < 10' },
    ]);
    const w = notes(s, 'warning').join('\n');
    expect(w).toMatch(/index ix_glob is not created: .*GLOB/);
    expect(w).not.toMatch(/ix_nocase/);
    expect(notes(s, 'info').join('\n')).toMatch(
      /unique index ix_nocase: name ignores ASCII case \(A–Z only\) in SQLite; PostgreSQL enforces the same uniqueness on the folded value \(translate\("name"/,
    );
    expect(w).toMatch(/CHECK \(name GLOB '\*'\) is not created/);
  });

  it('translates foreign keys to kept tables and warns on the rest', () => {
    const s = translate(
      schemaOf(
        tbl('parent', [col('id', 'INTEGER', pk), col('code', 'TEXT')], {
          indexes: [
            { name: 'p_code', unique: true, origin: 'c', parts: [part('code')], where: null, sql: '' },
          ],
        }),
        tbl('gone', [col('id', 'INTEGER', pk)]),
        tbl(
          'child',
          [
            col('id', 'INTEGER', pk),
            col('pid', 'INT'),
            col('gid', 'INT'),
            col('pcode', 'TEXT'),
            col('name', 'TEXT'),
          ],
          {
            foreignKeys: [
              {
                id: 0,
                columns: ['pid'],
                referencedTable: 'PARENT',
                referencedColumns: [],
                onUpdate: 'NO ACTION',
                onDelete: 'CASCADE',
                deferred: true,
              },
              {
                id: 1,
                columns: ['gid'],
                referencedTable: 'gone',
                referencedColumns: ['id'],
                onUpdate: 'NO ACTION',
                onDelete: 'NO ACTION',
                deferred: false,
              },
              {
                id: 2,
                columns: ['pcode'],
                referencedTable: 'parent',
                referencedColumns: ['code'],
                onUpdate: 'NO ACTION',
                onDelete: 'NO ACTION',
                deferred: false,
              },
              {
                id: 3,
                columns: ['name'],
                referencedTable: 'parent',
                referencedColumns: ['code'],
                onUpdate: 'NO ACTION',
                onDelete: 'NO ACTION',
                deferred: false,
              },
              {
                id: 4,
                columns: ['gid'],
                referencedTable: 'missing',
                referencedColumns: ['id'],
                onUpdate: 'NO ACTION',
                onDelete: 'NO ACTION',
                deferred: false,
              },
            ],
          },
        ),
      ),
      opts({
        tables: { gone: { skip: true }, parent: { rename: 'Parent', columns: { code: { rename: 'Code' } } } },
      }),
    );
    const child = s.tables.find((t) => t.name === 'child')!;
    expect(child.foreignKeys).toEqual([
      {
        name: 'child_pid_fkey',
        columns: ['pid'],
        referencedSchema: 'app',
        referencedTable: 'Parent',
        referencedColumns: ['id'],
        onUpdate: 'NO ACTION',
        onDelete: 'CASCADE',
        deferred: true,
      },
      expect.objectContaining({ name: 'child_pcode_fkey', referencedColumns: ['Code'] }),
      expect.objectContaining({ name: 'child_name_fkey', columns: ['name'] }),
    ]);
    const w = notes(s, 'warning').join('\n');
    expect(w).toMatch(/\(gid\) → gone is not created: table gone is not copied/);
    expect(w).toMatch(/\(gid\) → missing is not created/);
  });
});

describe('translate: partitions', () => {
  const source = schemaOf(
    tbl(
      'ev',
      [
        col('id', 'INTEGER', pk),
        col('at', 'DATETIME', { notNull: true }),
        col('code', 'TEXT'),
        col('n', 'INT'),
      ],
      {
        indexes: [
          { name: 'ev_code', unique: true, origin: 'c', parts: [part('code')], where: null, sql: '' },
          {
            name: 'ev_code_at',
            unique: true,
            origin: 'c',
            parts: [part('code'), part('at')],
            where: null,
            sql: '',
          },
          { name: 'ev_n', unique: false, origin: 'c', parts: [part('n')], where: null, sql: '' },
        ],
      },
    ),
  );

  it('extends the primary key, drops UNIQUE indexes without the partition column, a sequence default for the id', () => {
    const s = translate(source, opts({ partitions: { ev: { column: 'at', interval: 'day' } } }));
    const t = s.tables[0]!;
    expect(t.partitioning).toEqual({ column: 'at', interval: 'day', premake: 4, retention: null });
    expect(t.primaryKey).toEqual(['id', 'at']);
    expect(t.indexes.map((i) => i.name)).toEqual(['ev_code_at', 'ev_n']);
    // PostgreSQL before 17 refuses identity columns on partitioned tables: an owned sequence instead.
    expect(t.columns[0]!.identity).toBe(false);
    expect(t.identityColumn).toBe('id');
    expect(t.ownedSequence).toBe('ev_id_seq');
    expect(t.columns[0]!.default).toBe(`nextval('"app"."ev_id_seq"'::regclass)`);
    const w = notes(s, 'warning').join('\n');
    expect(w).toMatch(
      /ev_code is not created: a UNIQUE index on a partitioned table must include the partition column at/,
    );
    expect(notes(s, 'info').join('\n')).toMatch(/sequence ev_id_seq/);
  });

  it('refuses a partition column that is missing or not a date/time', () => {
    expect(
      thrown(() => translate(source, opts({ partitions: { ev: { column: 'nope', interval: 'day' } } }))).code,
    ).toBe('BAD_CONFIG');
    const e = thrown(() =>
      translate(source, opts({ partitions: { ev: { column: 'n', interval: 'month' } } })),
    );
    expect(e.code).toBe('BAD_CONFIG');
    expect(e.message).toMatch(/bigint/);
    expect(
      thrown(() => translate(source, opts({ partitions: { nope: { column: 'at', interval: 'day' } } })))
        .message,
    ).toMatch(/nope/);
  });
});

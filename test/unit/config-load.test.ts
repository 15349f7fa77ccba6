import { writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultParallel, loadConfig } from '../../src/config/load.js';
import { redactUrl } from '../../src/config/redact.js';

function configFile(content: unknown): string {
  const path = join(tmpdir(), `litebridge-config-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadConfig', () => {
  it('takes flags over environment over config file over defaults', () => {
    const file = configFile({
      sqlite: 'from-file.db',
      pg: 'postgres://file/db',
      schema: 'fromfile',
      parallel: 3,
    });
    const env = { SQLITE_PATH: 'from-env.db', DATABASE_URL: 'postgres://env/db' };
    const fromFlags = loadConfig(
      { config: file, sqlite: 'flag.db', pg: 'postgres://flag/db', schema: 'flag' },
      env,
    );
    expect(fromFlags.sqlitePath).toMatch(/flag\.db$/);
    expect(fromFlags.pgUrl).toBe('postgres://flag/db');
    expect(fromFlags.schema).toBe('flag');
    const fromEnv = loadConfig({ config: file }, env);
    expect(fromEnv.sqlitePath).toMatch(/from-env\.db$/);
    expect(fromEnv.pgUrl).toBe('postgres://env/db');
    expect(fromEnv.schema).toBe('fromfile');
    expect(fromEnv.parallel).toBe(3);
    const fromFile = loadConfig({ config: file }, {});
    expect(fromFile.sqlitePath).toMatch(/from-file\.db$/);
    const defaults = loadConfig({ sqlite: 'a.db', pg: 'postgres://x/y' }, {});
    expect(defaults).toMatchObject({
      schema: 'public',
      parallel: defaultParallel(),
      onBadRow: 'stop',
      replace: false,
      sourceId: 'a',
    });
  });

  it('defaults to one COPY stream per core, 2 to 4', () => {
    const streams = defaultParallel();
    expect(streams).toBeGreaterThanOrEqual(2);
    expect(streams).toBeLessThanOrEqual(4);
    expect(
      streams === availableParallelism() || availableParallelism() < 2 || availableParallelism() > 4,
    ).toBe(true);
  });

  it('reads the text collation: C by default, a name or null from the file, "default" from the flag', () => {
    const base = { sqlite: 'a.db', pg: 'postgres://x/y' };
    expect(loadConfig(base, {}).textCollation).toBe('C');
    expect(loadConfig({ ...base, config: configFile({ textCollation: null }) }, {}).textCollation).toBeNull();
    expect(
      loadConfig({ ...base, config: configFile({ textCollation: 'und-x-icu' }) }, {}).textCollation,
    ).toBe('und-x-icu');
    expect(
      loadConfig({ ...base, config: configFile({ textCollation: 'C' }), textCollation: 'default' }, {})
        .textCollation,
    ).toBeNull();
    expect(() => loadConfig({ ...base, config: configFile({ textCollation: 3 }) }, {})).toThrow(
      /config key "textCollation" must be a collation name or null/,
    );
  });

  it('keeps the connection string out of JSON, logs and spreads, and freezes the result', () => {
    const config = loadConfig({ sqlite: 'a.db', pg: 'postgres://u:secret@h/db' }, {});
    expect(JSON.stringify(config)).not.toContain('secret');
    expect({ ...config }).not.toHaveProperty('pgUrl');
    expect(config.pgUrl).toContain('secret');
    expect(Object.isFrozen(config)).toBe(true);
    expect(redactUrl('postgres://u:secret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
  });

  it('lets PG* variables stand in for a URL, and says what is missing otherwise', () => {
    expect(loadConfig({ sqlite: 'a.db' }, { PGHOST: 'localhost' }).pgUrl).toBe('');
    expect(() => loadConfig({ sqlite: 'a.db' }, {})).toThrow(/no PostgreSQL connection given/);
    expect(() => loadConfig({ pg: 'postgres://x/y' }, {})).toThrow(/no SQLite file given/);
    expect(loadConfig({ sqlite: 'a.db' }, {}, { pg: false }).sqlitePath).toMatch(/a\.db$/);
  });

  it('names the offending key of a bad config file', () => {
    const base = { sqlite: 'a.db', pg: 'postgres://x/y' };
    expect(() => loadConfig({ ...base, config: configFile('{ nope') }, {})).toThrow(/not valid JSON/);
    expect(() => loadConfig({ ...base, config: configFile({ tabels: {} }) }, {})).toThrow(
      /unknown key "tabels"/,
    );
    expect(() =>
      loadConfig(
        { ...base, config: configFile({ tables: { flights: { columns: { pos: { cast: 'json' } } } } }) },
        {},
      ),
    ).toThrow(/tables\["flights"\]\.columns\["pos"\]\.cast: unknown type "json"/);
    expect(() =>
      loadConfig(
        { ...base, config: configFile({ partitions: { flights: { column: 'at', interval: 'year' } } }) },
        {},
      ),
    ).toThrow(/partitions\["flights"\]\.interval/);
    for (const premake of [0, 1.5, '4']) {
      expect(() =>
        loadConfig(
          {
            ...base,
            config: configFile({ partitions: { flights: { column: 'at', interval: 'day', premake } } }),
          },
          {},
        ),
      ).toThrow(/partitions\["flights"\]\.premake must be a whole number from 1 to 1000/);
    }
    expect(
      loadConfig(
        {
          ...base,
          config: configFile({
            partitions: { f: { column: 'at', interval: 'week', premake: 8, retention: 52 } },
          }),
        },
        {},
      ).partitions,
    ).toEqual({ f: { column: 'at', interval: 'week', premake: 8, retention: 52 } });
    expect(() => loadConfig({ ...base, onBadRow: 'ignore' }, {})).toThrow(/--on-bad-row/);
    expect(() => loadConfig({ ...base, parallel: '0' }, {})).toThrow(/--parallel/);
    expect(() => loadConfig({ ...base, schema: 'litebridge' }, {})).toThrow(/reserved/);
  });

  it('reads per-table and per-column overrides and partitions', () => {
    const file = configFile({
      tables: {
        flights: {
          rename: 'flight',
          columns: { position: { cast: 'jsonb', rename: 'pos' }, route: { skip: true } },
        },
      },
      partitions: { flights: { column: 'last_updated', interval: 'month' } },
    });
    const config = loadConfig({ sqlite: 'a.db', pg: 'postgres://x/y', config: file }, {});
    expect(config.tables.flights).toEqual({
      rename: 'flight',
      columns: { position: { cast: 'jsonb', rename: 'pos' }, route: { skip: true } },
    });
    expect(config.partitions).toEqual({ flights: { column: 'last_updated', interval: 'month' } });
  });
});

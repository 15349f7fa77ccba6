import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, extname, resolve } from 'node:path';
import { BridgeError } from '../errors.js';
import { type PartitionInterval, PG_TYPES, type PgType, type TimeInput } from '../model/target-schema.js';
import type { ColumnOverride, Config, OnBadRow, PartitionSpec, TableOverride } from './config.js';

/** What the command line gave; undefined means "not given". */
export interface ConfigFlags {
  readonly sqlite?: string | undefined;
  readonly pg?: string | undefined;
  readonly config?: string | undefined;
  readonly schema?: string | undefined;
  readonly timestamptz?: boolean | undefined;
  readonly textCollation?: string | undefined;
  readonly onBadRow?: string | undefined;
  readonly parallel?: string | number | undefined;
  readonly replace?: boolean | undefined;
  readonly sourceId?: string | undefined;
  readonly workers?: string | number | undefined;
}

const TIME_INPUTS: readonly TimeInput[] = ['text', 'unixepoch', 'unixepoch-ms', 'julianday'];
const INTERVALS: readonly PartitionInterval[] = ['day', 'week', 'month'];
const FILE_KEYS = new Set([
  'sqlite',
  'pg',
  'schema',
  'timestamptz',
  'textCollation',
  'onBadRow',
  'parallel',
  'tables',
  'partitions',
]);

/**
 * Builds the one frozen Config: flags > environment (DATABASE_URL, SQLITE_PATH; PG* variables are
 * read by pg itself when no URL is given) > config file > defaults. Every mistake is a BAD_CONFIG or
 * BAD_ARGS error that names the offending key.
 */
export function loadConfig(
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv = process.env,
  needs: { readonly pg: boolean } = { pg: true },
): Config {
  const configFile = flags.config ?? env.LITEBRIDGE_CONFIG;
  const file = configFile === undefined ? {} : readConfigFile(configFile);
  const sqlitePath = flags.sqlite ?? env.SQLITE_PATH ?? str(file, 'sqlite');
  if (sqlitePath === undefined || sqlitePath === '') {
    throw new BridgeError('BAD_ARGS', 'no SQLite file given', {
      hint: 'pass --sqlite FILE, set SQLITE_PATH, or put "sqlite" in the config file',
    });
  }
  const pgUrl = flags.pg ?? env.DATABASE_URL ?? str(file, 'pg') ?? '';
  if (needs.pg && pgUrl === '' && env.PGHOST === undefined && env.PGDATABASE === undefined) {
    throw new BridgeError('BAD_ARGS', 'no PostgreSQL connection given', {
      hint: 'pass --pg postgres://user@host/db, set DATABASE_URL, or set PGHOST/PGDATABASE',
    });
  }
  const onBadRow = (flags.onBadRow ?? str(file, 'onBadRow') ?? 'stop') as OnBadRow;
  if (onBadRow !== 'stop' && onBadRow !== 'quarantine') {
    throw new BridgeError('BAD_ARGS', `--on-bad-row must be "stop" or "quarantine", not "${onBadRow}"`);
  }
  const parallelRaw = flags.parallel ?? file.parallel ?? defaultParallel();
  const parallel = Number(parallelRaw);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) {
    throw new BridgeError('BAD_ARGS', `--parallel must be a whole number from 1 to 64, not "${parallelRaw}"`);
  }
  const workers = flags.workers === undefined ? null : Number(flags.workers);
  if (workers !== null && (!Number.isInteger(workers) || workers < 0 || workers > 64)) {
    throw new BridgeError(
      'BAD_ARGS',
      `--workers must be a whole number from 0 to 64, not "${flags.workers}"`,
    );
  }
  const schema = flags.schema ?? str(file, 'schema') ?? 'public';
  if (schema === 'litebridge') {
    throw new BridgeError('BAD_ARGS', 'schema "litebridge" is reserved for litebridge\'s own tables');
  }
  const config: Config = {
    sqlitePath: resolve(sqlitePath),
    sourceId: flags.sourceId ?? basename(sqlitePath, extname(sqlitePath)),
    pgUrl: '',
    schema,
    timestamptz: flags.timestamptz ?? bool(file, 'timestamptz') ?? false,
    textCollation: textCollation(flags.textCollation, file),
    onBadRow,
    parallel,
    workers,
    replace: flags.replace ?? false,
    tables: Object.freeze(tables(file.tables)),
    partitions: Object.freeze(partitions(file.partitions)),
    configFile: configFile === undefined ? null : resolve(configFile),
  };
  // The connection string may hold a password: keep it out of JSON.stringify, logs and spreads.
  Object.defineProperty(config, 'pgUrl', { value: pgUrl, enumerable: false });
  return Object.freeze(config);
}

type Json = Record<string, unknown>;

/**
 * COPY streams and index builds at once when not configured: one per core, 2 to 4. Reading and
 * encoding on this machine is most of a snapshot's work (the snapshot bench's pg-floor row), and
 * on 2 cores 2 streams finished sooner than 4, which contend with PostgreSQL for the same cores.
 */
export function defaultParallel(): number {
  return Math.min(4, Math.max(2, availableParallelism()));
}

/**
 * The collation of text columns: the flag (`default` = the database's), else the file's
 * `textCollation` (a name, or null for the database's), else `C`.
 */
function textCollation(flag: string | undefined, file: Json): string | null {
  if (flag !== undefined) {
    if (flag === '')
      throw new BridgeError('BAD_ARGS', '--text-collation needs a collation name, or "default"');
    return flag === 'default' ? null : flag;
  }
  const value = file.textCollation;
  if (value === undefined) return 'C';
  if (value === null) return null;
  if (typeof value !== 'string' || value === '') {
    throw new BridgeError('BAD_CONFIG', 'config key "textCollation" must be a collation name or null', {
      hint: '"C" (the default) compares bytewise as SQLite does; null keeps the database\'s collation',
    });
  }
  return value;
}

function readConfigFile(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BridgeError('BAD_CONFIG', `cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BridgeError('BAD_CONFIG', `config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw new BridgeError('BAD_CONFIG', `config file ${path} must hold a JSON object`);
  for (const key of Object.keys(parsed)) {
    if (!FILE_KEYS.has(key)) {
      throw new BridgeError('BAD_CONFIG', `config file ${path}: unknown key "${key}"`, {
        hint: `known keys: ${[...FILE_KEYS].join(', ')}`,
      });
    }
  }
  return parsed;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(file: Json, key: string): string | undefined {
  const value = file[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BridgeError('BAD_CONFIG', `config key "${key}" must be a string`);
  return value;
}

function bool(file: Json, key: string): boolean | undefined {
  const value = file[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean')
    throw new BridgeError('BAD_CONFIG', `config key "${key}" must be true or false`);
  return value;
}

function tables(value: unknown): Record<string, TableOverride> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new BridgeError('BAD_CONFIG', 'config key "tables" must be an object');
  const out: Record<string, TableOverride> = {};
  for (const [table, raw] of Object.entries(value)) {
    const where = `tables["${table}"]`;
    if (!isObject(raw)) throw new BridgeError('BAD_CONFIG', `config ${where} must be an object`);
    only(raw, ['rename', 'skip', 'columns'], where);
    const columns: Record<string, ColumnOverride> = {};
    if (raw.columns !== undefined) {
      if (!isObject(raw.columns))
        throw new BridgeError('BAD_CONFIG', `config ${where}.columns must be an object`);
      for (const [column, c] of Object.entries(raw.columns)) {
        columns[column] = column_(c, `${where}.columns["${column}"]`);
      }
    }
    out[table] = Object.freeze({
      ...(raw.rename === undefined ? {} : { rename: name(raw.rename, `${where}.rename`) }),
      ...(raw.skip === undefined ? {} : { skip: flag(raw.skip, `${where}.skip`) }),
      columns: Object.freeze(columns),
    });
  }
  return out;
}

function column_(raw: unknown, where: string): ColumnOverride {
  if (!isObject(raw)) throw new BridgeError('BAD_CONFIG', `config ${where} must be an object`);
  only(raw, ['cast', 'rename', 'skip', 'timeInput'], where);
  if (raw.cast !== undefined && !PG_TYPES.includes(raw.cast as PgType)) {
    throw new BridgeError('BAD_CONFIG', `config ${where}.cast: unknown type "${String(raw.cast)}"`, {
      hint: `one of: ${PG_TYPES.join(', ')}`,
    });
  }
  if (raw.timeInput !== undefined && !TIME_INPUTS.includes(raw.timeInput as TimeInput)) {
    throw new BridgeError('BAD_CONFIG', `config ${where}.timeInput must be one of ${TIME_INPUTS.join(', ')}`);
  }
  return Object.freeze({
    ...(raw.cast === undefined ? {} : { cast: raw.cast as PgType }),
    ...(raw.rename === undefined ? {} : { rename: name(raw.rename, `${where}.rename`) }),
    ...(raw.skip === undefined ? {} : { skip: flag(raw.skip, `${where}.skip`) }),
    ...(raw.timeInput === undefined ? {} : { timeInput: raw.timeInput as TimeInput }),
  });
}

function partitions(value: unknown): Record<string, PartitionSpec> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new BridgeError('BAD_CONFIG', 'config key "partitions" must be an object');
  const out: Record<string, PartitionSpec> = {};
  for (const [table, raw] of Object.entries(value)) {
    const where = `partitions["${table}"]`;
    if (!isObject(raw)) throw new BridgeError('BAD_CONFIG', `config ${where} must be an object`);
    only(raw, ['column', 'interval', 'premake', 'retention'], where);
    if (!INTERVALS.includes(raw.interval as PartitionInterval)) {
      throw new BridgeError('BAD_CONFIG', `config ${where}.interval must be one of ${INTERVALS.join(', ')}`);
    }
    out[table] = Object.freeze({
      column: name(raw.column, `${where}.column`),
      interval: raw.interval as PartitionInterval,
      ...(raw.premake === undefined ? {} : { premake: count(raw.premake, `${where}.premake`, 1) }),
      ...(raw.retention === undefined ? {} : { retention: count(raw.retention, `${where}.retention`, 1) }),
    });
  }
  return out;
}

/** A whole number of intervals, at least `min` and at most 1000. */
function count(value: unknown, where: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 1000) {
    throw new BridgeError('BAD_CONFIG', `config ${where} must be a whole number from ${min} to 1000`, {
      details: { value },
    });
  }
  return value;
}

function only(raw: Json, keys: readonly string[], where: string): void {
  for (const key of Object.keys(raw)) {
    if (!keys.includes(key)) {
      throw new BridgeError('BAD_CONFIG', `config ${where}: unknown key "${key}"`, {
        hint: `known keys: ${keys.join(', ')}`,
      });
    }
  }
}

function name(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new BridgeError('BAD_CONFIG', `config ${where} must be a non-empty string`);
  }
  return value;
}

function flag(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean')
    throw new BridgeError('BAD_CONFIG', `config ${where} must be true or false`);
  return value;
}

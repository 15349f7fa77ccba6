/**
 * The queries file `compare-queries` reads: plain SQL, one query after each `-- name: NAME`
 * line, in SQLite's form, then optionally `-- postgres:` and the form rewritten for PostgreSQL
 * (a trailing `;` is optional on both). Sample values for parameters come on
 * `-- param: NAME VALUE` lines anywhere in the query's block (VALUE a SQL literal: a number,
 * a 'string' or NULL); both forms use them as `:NAME`.
 */
import { readFileSync } from 'node:fs';
import { BridgeError } from '../errors.js';

/** A parameter's sample value, as SQLite binds it (integers exact). */
export type ParamValue = bigint | number | string | null;

/** One query of the file. */
export interface ParityQuery {
  readonly name: string;
  /** The SQL as the application runs it on SQLite. */
  readonly sqlite: string;
  /** The form rewritten for PostgreSQL, or null when the same text is run on both. */
  readonly postgres: string | null;
  /** Sample values by parameter name (without the `:`). */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** 1-based line of the `-- name:` line, for messages. */
  readonly line: number;
}

const NAME_LINE = /^\s*--\s*name:\s*(\S.*?)\s*$/i;
const POSTGRES_LINE = /^\s*--\s*postgres:\s*$/i;
const PARAM_LINE = /^\s*--\s*param:\s*:?([A-Za-z_][A-Za-z0-9_]*)\s+(.+?)\s*$/i;

/** Reads and parses a queries file (BAD_ARGS when it cannot be read). */
export function readQueriesFile(path: string): ParityQuery[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BridgeError('BAD_ARGS', `cannot read queries file ${path}: ${(error as Error).message}`, {
      cause: error,
      hint: 'pass --queries FILE with one "-- name: NAME" line before each query',
    });
  }
  return parseQueries(text);
}

/** Parses the text of a queries file; BAD_ARGS naming the line for each mistake. */
export function parseQueries(text: string): ParityQuery[] {
  const queries: ParityQuery[] = [];
  const names = new Set<string>();
  let current: {
    name: string;
    line: number;
    sqlite: string[];
    postgres: string[] | null;
    params: Record<string, ParamValue>;
  } | null = null;
  const finish = (): void => {
    if (current === null) return;
    const sqlite = statementText(current.sqlite.join('\n'));
    const postgres = current.postgres === null ? null : statementText(current.postgres.join('\n'));
    if (sqlite === '') throw bad(current.line, `query "${current.name}" has no SQL`);
    if (postgres === '') throw bad(current.line, `query "${current.name}" has an empty "-- postgres:" form`);
    queries.push({ name: current.name, sqlite, postgres, params: current.params, line: current.line });
  };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const name = NAME_LINE.exec(raw);
    if (name !== null) {
      finish();
      if (names.has(name[1]!)) throw bad(line, `query name "${name[1]}" is used twice`);
      names.add(name[1]!);
      current = { name: name[1]!, line, sqlite: [], postgres: null, params: {} };
      return;
    }
    if (current === null) {
      if (raw.trim() === '' || raw.trim().startsWith('--')) return;
      throw bad(line, 'SQL before the first "-- name: NAME" line');
    }
    if (POSTGRES_LINE.test(raw)) {
      if (current.postgres !== null) throw bad(line, `query "${current.name}" has two "-- postgres:" lines`);
      current.postgres = [];
      return;
    }
    const param = PARAM_LINE.exec(raw);
    if (param !== null) {
      current.params[param[1]!] = literalValue(param[2]!, line);
      return;
    }
    (current.postgres ?? current.sqlite).push(raw);
  });
  finish();
  if (queries.length === 0) {
    throw new BridgeError('BAD_ARGS', 'the queries file holds no query', {
      hint: 'start each query with a line "-- name: NAME"',
    });
  }
  return queries;
}

/** The statement without its comment-only lines (the query's description) and one trailing `;`. */
function statementText(sql: string): string {
  const code = sql
    .split('\n')
    .filter((line) => !/^\s*(--.*)?$/.test(line))
    .join('\n');
  return code.trim().replace(/;\s*$/, '').trim();
}

/** A parameter's sample value from its SQL literal. */
function literalValue(text: string, line: number): ParamValue {
  if (/^null$/i.test(text)) return null;
  if (/^-?\d+$/.test(text)) return BigInt(text);
  if (/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  const quoted = /^'((?:[^']|'')*)'$/.exec(text);
  if (quoted !== null) return quoted[1]!.replaceAll("''", "'");
  throw bad(line, `parameter value ${text} is not a number, a 'string' or NULL`);
}

function bad(line: number, message: string): BridgeError {
  return new BridgeError('BAD_ARGS', `queries file line ${line}: ${message}`, {
    details: { line },
    hint: 'each query: "-- name: NAME", the SQLite SQL, optionally "-- postgres:" and the PostgreSQL SQL',
  });
}

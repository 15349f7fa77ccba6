/**
 * A query of the queries file made ready for both engines: the SQLite statement (and its peek
 * past LIMIT), the PostgreSQL text with positional parameters, the sample values bound on each
 * side; a statement that writes is refused by name before anything runs.
 */
import { BridgeError } from '../errors.js';
import type { SqlValue } from '../model/sql-value.js';
import { tokenize } from '../schema/sql-tokens.js';
import type { SqliteDatabase } from '../sqlite/open.js';
import type { ParamValue, ParityQuery } from './queries-file.js';
import {
  peekPastLimitSql,
  positionalParams,
  type StatementShape,
  statementShape,
} from './statement-shape.js';

/** One query ready to run on both sides. */
export interface Prepared {
  readonly query: ParityQuery;
  /** The SQLite statement, or the error preparing it. */
  readonly statement: ReturnType<SqliteDatabase['prepare']> | null;
  readonly sqliteError: string | null;
  /** The SQLite query with LIMIT raised by one (see peekPastLimitSql), when ORDER BY allows ties. */
  readonly peek: ReturnType<SqliteDatabase['prepare']> | null;
  readonly shape: StatementShape | null;
  readonly sqliteParams: Record<string, SqlValue>;
  readonly pgSql: string;
  readonly pgParams: (string | null)[];
}

const WRITES =
  /^\s*(?:INSERT|UPDATE|DELETE|REPLACE|UPSERT|MERGE|CREATE|DROP|ALTER|TRUNCATE|VACUUM|REINDEX|ANALYZE|ATTACH|DETACH|PRAGMA|GRANT|REVOKE|COPY|CALL|DO|LOCK|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET|RESET)\b/i;

/** Prepares the SQLite statement and the PostgreSQL text; refuses a statement that writes. */
export function prepareQuery(db: SqliteDatabase, query: ParityQuery): Prepared {
  const refuse = (side: string) =>
    new BridgeError(
      'BAD_ARGS',
      `query "${query.name}" is not read-only on ${side}: compare-queries runs only queries that read`,
      {
        details: { query: query.name, line: query.line },
        hint: 'keep only SELECT (or WITH … SELECT) statements in the queries file',
      },
    );
  const pgText = query.postgres ?? query.sqlite;
  if (WRITES.test(pgText)) throw refuse('PostgreSQL');
  if (WRITES.test(query.sqlite)) throw refuse('SQLite');
  let statement: Prepared['statement'] = null;
  let sqliteError: string | null = null;
  try {
    statement = db.prepare(query.sqlite);
    if (!statement.readonly || !statement.reader) throw refuse('SQLite');
    statement.raw(true);
  } catch (error) {
    if (error instanceof BridgeError) throw error;
    sqliteError = (error as Error).message;
  }
  const shape = statementShape(query.sqlite);
  const orderMapped = shape?.orderBy.every((t) => t.column !== null) ?? false;
  const peekSql = shape !== null && orderMapped ? peekPastLimitSql(query.sqlite, shape) : null;
  let peek: Prepared['peek'] = null;
  if (statement !== null && peekSql !== null) {
    try {
      peek = db.prepare(peekSql).raw(true);
    } catch {
      peek = null;
    }
  }
  const sqliteParams: Record<string, SqlValue> = {};
  for (const name of sqliteParamNames(query.sqlite)) sqliteParams[name] = paramValue(query, name);
  const { sql: pgSql, names } = positionalParams(pgText);
  const pgParams = names.map((n) => {
    const v = paramValue(query, n);
    return v === null ? null : String(v);
  });
  return { query, statement, sqliteError, peek, shape, sqliteParams, pgSql, pgParams };
}

function sqliteParamNames(sql: string): string[] {
  try {
    return [
      ...new Set(
        tokenize(sql)
          .filter((t) => t.kind === 'param' && t.text.length > 1)
          .map((t) => t.text.slice(1)),
      ),
    ];
  } catch {
    return [];
  }
}

function paramValue(query: ParityQuery, name: string): ParamValue {
  if (!(name in query.params)) {
    throw new BridgeError('BAD_ARGS', `query "${query.name}" uses :${name} but gives no sample value`, {
      details: { query: query.name, parameter: name },
      hint: `add a line "-- param: ${name} VALUE" to the query`,
    });
  }
  return query.params[name]!;
}

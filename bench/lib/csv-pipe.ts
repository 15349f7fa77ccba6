import Database from 'better-sqlite3';
import pg from 'pg';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/config/config.js';
import { postDataSql } from '../../src/schema/ddl.js';
import { introspect } from '../../src/schema/introspect.js';
import { quoteIdent } from '../../src/schema/quote.js';
import { translate } from '../../src/schema/translate.js';
import { type ExitStatus, run, type TreeSampler } from './measure.js';

/** The naive type a hand-written CSV import would pick for a declared SQLite type. */
export function naivePgType(declared: string): 'bigint' | 'double precision' | 'text' {
  const t = declared.toUpperCase();
  if (t.includes('INT') || t.includes('BOOL')) return 'bigint';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'double precision';
  return 'text';
}

/** CREATE TABLE statements with the same column lists as the SQLite tables, typed naively. */
export function naiveDdl(sqlitePath: string, tables: readonly string[]): string[] {
  const db = new Database(sqlitePath, { readonly: true });
  try {
    return tables.map((table) => {
      const columns = db.prepare(`SELECT name, type FROM pragma_table_info(?) ORDER BY cid`).all(table) as {
        name: string;
        type: string;
      }[];
      const list = columns.map((c) => `${quoteIdent(c.name)} ${naivePgType(c.type)}`).join(', ');
      return `CREATE TABLE ${quoteIdent(table)} (${list})`;
    });
  } finally {
    db.close();
  }
}

/** Creates the tables naively in the target database. */
export async function createNaiveTables(
  url: string,
  sqlitePath: string,
  tables: readonly string[],
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of naiveDdl(sqlitePath, tables)) await client.query(statement);
  } finally {
    await client.end();
  }
}

const PIPE_SCRIPT = 'set -o pipefail; sqlite3 -csv "$1" "$2" | psql "$3" -X -q -v ON_ERROR_STOP=1 -c "$4"';

/**
 * The pipe people write by hand, one table at a time:
 * `sqlite3 -csv FILE "SELECT * FROM t" | psql URL -c "\copy t FROM STDIN WITH (FORMAT csv)"`.
 * Resolves with the first failing table's exit status, or the last one's.
 */
export async function csvPipe(
  sampler: TreeSampler,
  sqlitePath: string,
  url: string,
  tables: readonly string[],
  logPath: string,
): Promise<ExitStatus> {
  let status: ExitStatus = { code: 0, signal: null };
  for (const table of tables) {
    const select = `SELECT * FROM ${quoteIdent(table)}`;
    const copy = `\\copy ${quoteIdent(table)} FROM STDIN WITH (FORMAT csv)`;
    status = await run(
      sampler,
      'bash',
      ['-c', PIPE_SCRIPT, 'csv-pipe', sqlitePath, select, url, copy],
      logPath,
    );
    if (status.code !== 0) return status;
  }
  return status;
}

/**
 * The keys and indexes litebridge builds, run after the CSV pipe one statement at a time (as a
 * hand-written script would), so both loaders end in the same state: rows, primary keys, indexes.
 */
export async function buildSameKeys(url: string, sqlitePath: string): Promise<ExitStatus> {
  const db = new Database(sqlitePath, { readonly: true });
  let statements: string[];
  try {
    const target = translate(introspect(db), { ...DEFAULT_TRANSLATE_OPTIONS, schema: 'public' });
    statements = target.tables.flatMap((t) => {
      const post = postDataSql(t);
      return [...post.primaryKeyIndex, ...post.indexes, ...post.primaryKey];
    });
  } finally {
    db.close();
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
    return { code: 0, signal: null };
  } finally {
    await client.end();
  }
}

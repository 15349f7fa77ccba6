/**
 * Reads a SQLite file's schema into the neutral SourceSchema model. Every PRAGMA goes through its
 * table-valued form with the table name as a bound parameter, so any name works (`select`,
 * `"; drop table x; --`, names with spaces and quotes).
 */
import type Database from 'better-sqlite3';
import { BridgeError, fromSqliteError } from '../errors.js';
import type {
  SourceColumn,
  SourceForeignKey,
  SourceIndex,
  SourceSchema,
  SourceTable,
  SourceView,
} from '../model/source-schema.js';
import {
  type ParsedForeignKey,
  type ParsedTable,
  parseCreateIndex,
  parseCreateTable,
} from './create-table-parse.js';

interface SchemaRow {
  readonly type: string;
  readonly name: string;
  readonly sql: string | null;
}
interface TableListRow {
  readonly type: string;
  readonly wr: number;
  readonly strict: number;
}
interface XInfoRow {
  readonly name: string;
  readonly type: string;
  readonly notnull: number;
  readonly dflt_value: string | null;
  readonly pk: number;
  readonly hidden: number;
}
interface IndexListRow {
  readonly name: string;
  readonly unique: number;
  readonly origin: string;
  readonly partial: number;
}
interface IndexXInfoRow {
  readonly seqno: number;
  readonly cid: number;
  readonly name: string | null;
  readonly desc: number;
  readonly coll: string | null;
  readonly key: number;
}
interface ForeignKeyRow {
  readonly id: number;
  readonly seq: number;
  readonly table: string;
  readonly from: string;
  readonly to: string | null;
  readonly on_update: string;
  readonly on_delete: string;
}

/** True for names litebridge never copies: SQLite's own objects and litebridge's bookkeeping. */
export function isInternalName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('sqlite_') || lower.startsWith('_litebridge_');
}

/** Reads tables, views and skipped objects of the `main` schema of `db`. */
export function introspect(db: Database.Database): SourceSchema {
  try {
    const rows = db
      .prepare(
        "SELECT type, name, sql FROM main.sqlite_schema WHERE type IN ('table', 'view') ORDER BY rowid",
      )
      .safeIntegers(false)
      .all() as SchemaRow[];
    const tableList = db
      .prepare("SELECT type, wr, strict FROM pragma_table_list WHERE schema = 'main' AND name = ?")
      .safeIntegers(false);
    const tables: SourceTable[] = [];
    const views: SourceView[] = [];
    const skipped: { name: string; reason: string }[] = [];
    const virtualNames = rows.filter((r) => /^\s*CREATE\s+VIRTUAL\b/i.test(r.sql ?? '')).map((r) => r.name);
    for (const row of rows) {
      if (isInternalName(row.name)) continue;
      if (row.type === 'view') {
        views.push({ name: row.name, sql: row.sql ?? '' });
        continue;
      }
      const info = tableList.get(row.name) as TableListRow | undefined;
      const sql = row.sql ?? '';
      const virtual = /^\s*CREATE\s+VIRTUAL\s+TABLE\b/i.exec(sql);
      if (virtual || info?.type === 'virtual') {
        const module = /\bUSING\s+(\w+)/i.exec(sql)?.[1] ?? 'unknown';
        skipped.push({
          name: row.name,
          reason: `virtual table (module ${module}): its contents live outside ordinary tables`,
        });
        continue;
      }
      const owner = virtualNames.find((v) => row.name.toLowerCase().startsWith(v.toLowerCase() + '_'));
      if (info?.type === 'shadow' || owner !== undefined) {
        skipped.push({
          name: row.name,
          reason: `shadow table of virtual table ${owner ?? '?'}: managed by SQLite`,
        });
        continue;
      }
      tables.push(readTable(db, row.name, sql, info));
    }
    return { tables, views, skipped };
  } catch (error) {
    throw error instanceof BridgeError ? error : fromSqliteError(error, 'reading the SQLite schema');
  }
}

function readTable(
  db: Database.Database,
  name: string,
  sql: string,
  info: TableListRow | undefined,
): SourceTable {
  let parsed: ParsedTable;
  try {
    parsed = parseCreateTable(sql);
  } catch (error) {
    throw new BridgeError(
      'SOURCE',
      `cannot parse the CREATE TABLE statement of table ${JSON.stringify(name)}`,
      {
        cause: error,
        details: { table: name, sql },
      },
    );
  }
  const withoutRowid = info !== undefined ? info.wr === 1 : /\bWITHOUT\s+ROWID\s*$/i.test(sql);
  const strict = info !== undefined ? info.strict === 1 : false;
  const xinfo = db.prepare('SELECT * FROM pragma_table_xinfo(?)').safeIntegers(false).all(name) as XInfoRow[];
  const columns: SourceColumn[] = xinfo.map((c, cid) => {
    const p = parsed.columns.find((pc) => pc.name.toLowerCase() === c.name.toLowerCase());
    const generated =
      c.hidden === 2 || c.hidden === 3 ? (p?.generated ?? { expression: '', stored: c.hidden === 3 }) : null;
    return {
      name: c.name,
      cid,
      declaredType: c.type,
      notNull: c.notnull === 1,
      defaultSql: c.dflt_value,
      pkPosition: c.pk,
      generated: generated === null ? null : { expression: generated.expression, stored: c.hidden === 3 },
      collation: p?.collation ?? null,
    };
  });
  const primaryKey = columns
    .filter((c) => c.pkPosition > 0)
    .sort((a, b) => a.pkPosition - b.pkPosition)
    .map((c) => c.name);
  const only = primaryKey.length === 1 ? columns.find((c) => c.name === primaryKey[0]) : undefined;
  const rowidAlias =
    !withoutRowid && only !== undefined && only.declaredType.toUpperCase() === 'INTEGER' ? only.name : null;
  return {
    name,
    columns,
    primaryKey,
    rowidAlias,
    withoutRowid,
    autoincrement: parsed.autoincrement && rowidAlias !== null,
    strict,
    indexes: readIndexes(db, name),
    foreignKeys: readForeignKeys(db, name, parsed.foreignKeys),
    checks: parsed.checks,
    sql,
  };
}

function readIndexes(db: Database.Database, table: string): SourceIndex[] {
  const list = db
    .prepare('SELECT * FROM pragma_index_list(?)')
    .safeIntegers(false)
    .all(table) as IndexListRow[];
  const sqlOf = db
    .prepare("SELECT sql FROM main.sqlite_schema WHERE type = 'index' AND name = ?")
    .safeIntegers(false)
    .pluck();
  const xinfo = db.prepare('SELECT * FROM pragma_index_xinfo(?)').safeIntegers(false);
  return list
    .map((ix): SourceIndex => {
      const sql = (sqlOf.get(ix.name) as string | null | undefined) ?? null;
      const parsed = sql === null ? null : parseIndexSql(table, ix.name, sql);
      const keys = (xinfo.all(ix.name) as IndexXInfoRow[])
        .filter((k) => k.key === 1)
        .sort((a, b) => a.seqno - b.seqno);
      return {
        name: ix.name,
        unique: ix.unique === 1,
        origin: ix.origin === 'pk' ? 'pk' : ix.origin === 'u' ? 'u' : 'c',
        parts: keys.map((k, i) => ({
          column: k.cid >= 0 ? k.name : null,
          expression: k.cid >= 0 ? null : (parsed?.parts[i]?.text ?? (k.cid === -1 ? 'rowid' : '')),
          descending: k.desc === 1,
          collation: k.coll === null || k.coll.toUpperCase() === 'BINARY' ? null : k.coll,
        })),
        where: ix.partial === 1 ? (parsed?.where ?? null) : null,
        sql,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function parseIndexSql(table: string, index: string, sql: string): ReturnType<typeof parseCreateIndex> {
  try {
    return parseCreateIndex(sql);
  } catch (error) {
    throw new BridgeError(
      'SOURCE',
      `cannot parse CREATE INDEX ${JSON.stringify(index)} on table ${JSON.stringify(table)}`,
      {
        cause: error,
        details: { table, index, sql },
      },
    );
  }
}

function readForeignKeys(
  db: Database.Database,
  table: string,
  parsed: readonly ParsedForeignKey[],
): SourceForeignKey[] {
  const rows = db
    .prepare('SELECT * FROM pragma_foreign_key_list(?)')
    .safeIntegers(false)
    .all(table) as ForeignKeyRow[];
  const byId = new Map<number, ForeignKeyRow[]>();
  for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  const unmatched = [...parsed];
  return [...byId.entries()]
    .sort(([a], [b]) => a - b)
    .map(([id, group]) => {
      group.sort((a, b) => a.seq - b.seq);
      const first = group[0]!;
      const columns = group.map((r) => r.from);
      const match = unmatched.findIndex(
        (p) =>
          p.table.toLowerCase() === first.table.toLowerCase() &&
          p.columns.length === columns.length &&
          p.columns.every((c, i) => c.toLowerCase() === columns[i]!.toLowerCase()),
      );
      const deferred = match >= 0 ? unmatched.splice(match, 1)[0]!.deferred : false;
      return {
        id,
        columns,
        referencedTable: first.table,
        referencedColumns: group.every((r) => r.to !== null) ? group.map((r) => r.to!) : [],
        onUpdate: first.on_update,
        onDelete: first.on_delete,
        deferred,
      };
    });
}

import { loadConfig } from '../config/load.js';
import { type TableCensus, takeCensus } from '../schema/census.js';
import { createSchemaSql, createTableSql, postDataSql } from '../schema/ddl.js';
import { introspect } from '../schema/introspect.js';
import { renderPlan } from '../schema/plan-report.js';
import { translate } from '../schema/translate.js';
import { openSqlite } from '../sqlite/open.js';
import { type CommandSpec, configFlags, connectionOptions } from './command.js';

/** `litebridge plan`: the DDL and every type decision, next to what each column really stores. */
export const planCommand: CommandSpec = {
  name: 'plan',
  summary: 'show the PostgreSQL schema litebridge would create, every type decision and a census of the data',
  help: `
Reads the SQLite file (read-only) and prints, per table and column, the declared SQLite type, the
PostgreSQL type chosen and why, and a census of what the column really stores (typeof counts, epoch
numbers in date columns, values other than 0/1 in booleans, NULs, integers past 2^53…) with a
warning next to each decision the data may trouble. Then the DDL. Touches nothing; needs no
PostgreSQL.

Exit status: 0 printed, 2 error (e.g. a name too long for PostgreSQL, an unknown table in --config).`,
  configure(command) {
    connectionOptions(command);
  },
  async run(flags) {
    const config = loadConfig(configFlags(flags), process.env, { pg: false });
    const db = openSqlite(config.sqlitePath, { readonly: true });
    try {
      const source = introspect(db);
      const target = translate(source, config);
      const census = new Map<string, TableCensus>();
      for (const table of target.tables) {
        census.set(table.source, takeCensus(db, source.tables.find((s) => s.name === table.source)!, table));
      }
      const ddl = [
        createSchemaSql(target.schema),
        ...target.tables.map((t) =>
          t.partitioning === null
            ? createTableSql(t)
            : `${createTableSql(t)};\n-- partitions of ${t.name} by ${t.partitioning.interval} are created from the data's range at snapshot time`,
        ),
        '-- after the data:',
        ...target.tables.flatMap((t) => {
          const post = postDataSql(t);
          return [
            ...post.primaryKeyIndex,
            ...post.indexes,
            ...post.primaryKey,
            ...post.checks,
            ...post.foreignKeys,
          ];
        }),
      ].join(';\n');
      return {
        status: 'ok',
        result: {
          schema: target,
          census: Object.fromEntries(census),
          ddl,
          views: source.views,
          skipped: source.skipped,
        },
        text: renderPlan(target, census, `${ddl};`),
      };
    } finally {
      db.close();
    }
  },
};

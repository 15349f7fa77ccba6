import type { Logger } from '../log/logger.js';
import type { SchemaNote, TargetForeignKey, TargetTable } from '../model/target-schema.js';
import { postDataSql } from '../schema/ddl.js';
import { countDanglingRows, type DanglingForeignKey } from './dangling-rows.js';
import type { PgPool } from './pool.js';
import { parallelMap } from './post-data.js';

/** The foreign keys PostgreSQL refused (warning notes) and those with dangling rows. */
export interface ForeignKeysResult {
  readonly notes: readonly SchemaNote[];
  readonly dangling: readonly DanglingForeignKey[];
}

/** One foreign key of one table, and the statement that creates it. */
interface PendingKey {
  readonly table: TargetTable;
  readonly fk: TargetForeignKey;
  readonly sql: string;
}

const tableId = (schema: string, name: string): string => JSON.stringify([schema, name]);

/**
 * The snapshot's foreign keys (NOT VALID, so rows without a parent are counted and reported
 * rather than refused). Each is created and its dangling rows counted as soon as its table and
 * the table it references both have their rows and keys (`tableKeyed`), so the counts overlap
 * the copy of the other tables instead of all waiting for the last one; `finish` does the rest.
 */
export class SnapshotForeignKeys {
  readonly #pool: PgPool;
  readonly #log: Logger;
  #pending: PendingKey[];
  readonly #keyed = new Set<string>();
  readonly #notes: SchemaNote[] = [];
  readonly #counted: DanglingForeignKey[] = [];

  constructor(pool: PgPool, tables: readonly TargetTable[], log: Logger) {
    this.#pool = pool;
    this.#log = log;
    this.#pending = tables.flatMap((table) => {
      const sql = postDataSql(table).foreignKeys;
      return table.foreignKeys.map((fk, i) => ({ table, fk, sql: sql[i]! }));
    });
  }

  /**
   * Records that `table` has all its rows and keys; creates and counts, one after the other, the
   * foreign keys that now have both ends in place.
   */
  async tableKeyed(table: TargetTable): Promise<void> {
    this.#keyed.add(tableId(table.schema, table.name));
    const ready = this.#pending.filter(
      (p) =>
        this.#keyed.has(tableId(p.table.schema, p.table.name)) &&
        this.#keyed.has(tableId(p.fk.referencedSchema, p.fk.referencedTable)),
    );
    if (ready.length === 0) return;
    this.#pending = this.#pending.filter((p) => !ready.includes(p));
    for (const key of ready) {
      await this.#create(key);
      this.#counted.push(await countDanglingRows(this.#pool, key.table, key.fk));
    }
  }

  /**
   * Creates every foreign key not created yet, then counts their dangling rows, `parallel` at a
   * time, longest counts first (a count reads the child table and the parent's key: both sizes
   * count). Logs every foreign key that has dangling rows.
   */
  async finish(parallel: number, rowsByTable: ReadonlyMap<string, number>): Promise<ForeignKeysResult> {
    const rest = this.#pending.splice(0);
    for (const key of rest) await this.#create(key);
    const cost = ({ table, fk }: PendingKey): number =>
      (rowsByTable.get(table.name) ?? 0) + (rowsByTable.get(fk.referencedTable) ?? 0);
    rest.sort((a, b) => cost(b) - cost(a));
    this.#counted.push(
      ...(await parallelMap(rest, parallel, (key) => countDanglingRows(this.#pool, key.table, key.fk))),
    );
    const dangling = this.#counted
      .filter((d) => d.rows > 0)
      .sort((a, b) => a.constraint.localeCompare(b.constraint));
    for (const d of dangling) this.#log.warn(d, 'foreign key has rows without a parent: created NOT VALID');
    return { notes: this.#notes, dangling };
  }

  /** Creates one foreign key; one PostgreSQL refuses becomes a warning note. */
  async #create({ table, sql }: PendingKey): Promise<void> {
    try {
      await this.#pool.query(sql);
    } catch (error) {
      this.#notes.push({
        level: 'warning',
        table: table.source,
        message: `foreign key not created (${(error as Error).message}): ${sql}`,
      });
    }
  }
}

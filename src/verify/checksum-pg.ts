/**
 * PostgreSQL's side of the chunked checksum, computed by the server in SQL: per chunk a row count
 * and the sum of the canonical row hashes (`pgRowHashSql`), so only chunk summaries cross the
 * wire. Range chunks are numbered by `width_bucket` over the plan's bounds, the same numbering
 * SQLite's side uses.
 */
import { fromPgError } from '../errors.js';
import type { KeyCollation, TargetColumn, TargetTable } from '../model/target-schema.js';
import { type PgClient, RAW_TEXT_ROWS } from '../pg/pool.js';
import { qualified } from '../schema/ddl.js';
import { pgFolded, targetKeyCollations } from '../schema/key-collation.js';
import { keyColumns } from '../schema/key-columns.js';
import { quoteIdent } from '../schema/quote.js';
import type { ChunkSummary } from './checksum-sqlite.js';
import { type ChunkPlan, chunkRange, rangeKey } from './chunks.js';
import { pgBucketSql, pgCanonicalSql, pgRowHashSql, pgRowMd5Sql, recordText } from './row-hash.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A row of a chunk as PostgreSQL holds it. */
export interface PgChunkRow {
  /** The key's canonical record text (as SQLite's side computes it). */
  readonly key: string;
  /** First 16 hex digits of the row's md5. */
  readonly hash: string;
  /** Each column as PostgreSQL prints it (null for NULL), target column order. */
  readonly texts: readonly (string | null)[];
  /** Key column texts, key order (to delete an extra row). */
  readonly keyTexts: readonly (string | null)[];
}

/** One table's checksum queries in PostgreSQL. */
export class PgTableChecksum {
  readonly #target: TargetTable;
  readonly #name: string;
  readonly #hash: string;
  readonly #keys: readonly TargetColumn[];
  /** How SQLite compares each key column: buckets and key texts use the folded values. */
  readonly #collations: readonly KeyCollation[];
  readonly #range: TargetColumn | null;

  constructor(target: TargetTable) {
    this.#target = target;
    this.#name = qualified(target.schema, target.name);
    this.#hash = pgRowHashSql(target.columns);
    this.#keys = keyColumns(target);
    this.#collations = targetKeyCollations(target);
    this.#range = rangeKey(target);
  }

  /** Rows in the table. */
  async count(client: PgClient): Promise<number> {
    const r = await this.#query(client, `SELECT count(*)::bigint AS n FROM ${this.#name}`, []);
    return Number(r[0]![0]);
  }

  /**
   * Summaries of chunks `first..last` (inclusive) of a range plan in one scan, or of every bucket
   * of a bucket plan. Chunks without rows are absent from the map.
   */
  async summaries(
    client: PgClient,
    plan: ChunkPlan,
    first = 0,
    last?: number,
  ): Promise<Map<number, ChunkSummary>> {
    let sql: string;
    let params: unknown[];
    if (plan.kind === 'bucket') {
      // Grouped above an OFFSET 0 subquery, the planner assumes few groups (it cannot see into the
      // expression) and hashes them in a few kB; grouping in place, it estimated as many groups as
      // keys and sorted every row to disk.
      sql =
        `SELECT s.c, count(*), sum(s.h)::text FROM (SELECT ${pgBucketSql(this.#keys, plan.buckets, 't', this.#collations)} AS c, ` +
        `${this.#hash} AS h FROM ${this.#name} AS t OFFSET 0) AS s GROUP BY s.c`;
      params = [];
    } else {
      // One index range scan per chunk (a lateral subquery per bound pair): grouping a whole run
      // by width_bucket made the planner sort every row (it cannot know how few groups there
      // are), spilling to disk and starting parallel workers on top of our own connections.
      const to = last ?? plan.bounds.length;
      const lows: string[] = [];
      const highs: string[] = [];
      for (let i = first; i <= to; i++) {
        const range = chunkRange(plan, i);
        if (range.to !== null && range.to <= INT64_MIN) {
          // `key < INT64_MIN`: an empty chunk (lo > hi), whose bound minus one bigint cannot hold.
          lows.push(INT64_MAX.toString());
          highs.push(INT64_MIN.toString());
          continue;
        }
        lows.push((range.from ?? INT64_MIN).toString());
        highs.push((range.to === null ? INT64_MAX : range.to - 1n).toString());
      }
      params = [`{${lows.join(',')}}`, `{${highs.join(',')}}`];
      const k = `t.${quoteIdent(this.#range!.name)}`;
      sql =
        `SELECT b.c + ${first - 1} AS c, s.n, s.h FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS b(lo, hi, c) ` +
        `CROSS JOIN LATERAL (SELECT count(*) AS n, sum(${this.#hash})::text AS h FROM ${this.#name} AS t ` +
        `WHERE ${k} >= b.lo AND ${k} <= b.hi) AS s WHERE s.n > 0`;
    }
    const rows = await this.#query(client, sql, params);
    return new Map(rows.map(([c, n, sum]) => [Number(c), { rows: Number(n), sum: sum ?? '0' }]));
  }

  /** Every row of one chunk, with canonical key, hash and printed values. */
  async rows(client: PgClient, plan: ChunkPlan, chunk: number): Promise<PgChunkRow[]> {
    const keyCanon = this.#keys.map((c, i) => pgFolded(pgCanonicalSql(c), this.#collations[i] ?? 'binary'));
    const select = [
      ...keyCanon,
      `left(${pgRowMd5Sql(this.#target.columns)}, 16)`,
      ...this.#target.columns.map((c) => `t.${quoteIdent(c.name)}`),
      ...this.#keys.map((c) => `t.${quoteIdent(c.name)}`),
    ].join(', ');
    let where: string;
    let params: unknown[];
    if (plan.kind === 'bucket') {
      where = `${pgBucketSql(this.#keys, plan.buckets, 't', this.#collations)} = $1`;
      params = [chunk];
    } else {
      const { from, to } = chunkRange(plan, chunk);
      params = [];
      where = this.#rangeWhere(from, to, params);
    }
    const rows = await this.#query(client, `SELECT ${select} FROM ${this.#name} AS t WHERE ${where}`, params);
    const nk = this.#keys.length;
    const nc = this.#target.columns.length;
    return rows.map((r) => ({
      key: recordText(r.slice(0, nk)),
      hash: r[nk]!,
      texts: r.slice(nk + 1, nk + 1 + nc),
      keyTexts: r.slice(nk + 1 + nc),
    }));
  }

  /** `key >= from AND key < to` (open ends left out), pushing the bounds onto `params`. */
  #rangeWhere(from: bigint | null, to: bigint | null, params: unknown[]): string {
    const k = `t.${quoteIdent(this.#range!.name)}`;
    const parts: string[] = [];
    if (from !== null) {
      params.push(from.toString());
      parts.push(`${k} >= $${params.length}::bigint`);
    }
    if (to !== null) {
      params.push(to.toString());
      parts.push(`${k} < $${params.length}::bigint`);
    }
    return parts.length === 0 ? 'true' : parts.join(' AND ');
  }

  async #query(client: PgClient, text: string, values: readonly unknown[]): Promise<(string | null)[][]> {
    try {
      const result = await client.query({ text, values: [...values], ...RAW_TEXT_ROWS });
      return result.rows as (string | null)[][];
    } catch (error) {
      throw fromPgError(error, `checksumming ${this.#target.schema}.${this.#target.name} failed`);
    }
  }
}

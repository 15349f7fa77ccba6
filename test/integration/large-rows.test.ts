import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/config/config.js';
import { introspect } from '../../src/schema/introspect.js';
import { translate } from '../../src/schema/translate.js';
import { openSqlite } from '../../src/sqlite/open.js';
import { rowSizes } from '../../src/sqlite/row-size.js';
import { tableReader } from '../../src/sqlite/snapshot-read.js';
import { planChunks } from '../../src/verify/chunks.js';
import { verify } from '../support/bridge.js';
import { startSync } from '../support/cutover.js';
import { useTestDatabase } from '../support/pg.js';
import { tempSqlite } from '../support/sqlite.js';
import { until } from '../support/until.js';

const db = useTestDatabase();
const BLOB = 1024 * 1024;

/** A file of `docs` rows holding 1 MiB blobs (and one small row), beside a table of short rows. */
function largeRowsFile(docs: number): string {
  const file = tempSqlite('large-rows.db');
  const s = new Database(file);
  s.pragma('journal_mode = WAL');
  s.exec(`CREATE TABLE docs (id INTEGER PRIMARY KEY, name TEXT, data BLOB);
          CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`);
  const doc = s.prepare('INSERT INTO docs (id, name, data) VALUES (?, ?, ?)');
  const note = s.prepare('INSERT INTO notes (id, body) VALUES (?, ?)');
  s.transaction(() => {
    for (let i = 1; i <= docs; i++) doc.run(i, `doc ${i}`, Buffer.alloc(BLOB, i));
    doc.run(docs + 1, 'small', Buffer.from([1, 2, 3]));
    for (let i = 1; i <= 5_000; i++) note.run(i, `note ${i}`);
  })();
  s.close();
  return file;
}

describe('rows of large blobs are read a few at a time', () => {
  it('pages and checksum chunks hold as many rows as fit in their byte budget', () => {
    const sqlite = openSqlite(largeRowsFile(12), { readonly: true });
    try {
      const source = introspect(sqlite);
      const target = translate(source, DEFAULT_TRANSLATE_OPTIONS);
      const reader = (name: string) =>
        tableReader(
          sqlite,
          source.tables.find((t) => t.name === name)!,
          target.tables.find((t) => t.source === name)!,
        );
      const docsSizes = rowSizes(sqlite, source.tables.find((t) => t.name === 'docs')!);
      expect(docsSizes.largest).toBeGreaterThanOrEqual(BLOB);
      expect(docsSizes.total).toBeGreaterThanOrEqual(12 * BLOB);
      const docs = reader('docs');
      expect(docs.pageRows(2_000, 4 * BLOB)).toBe(3);
      expect(docs.pageRows(2_000, BLOB / 2)).toBe(1);
      expect(reader('notes').pageRows(2_000, 4 * BLOB)).toBe(2_000);
      const pages = [...docs.pages(docs.pageRows(2_000, 4 * BLOB))];
      expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 3, 1]);
      // Checksum chunks: 16 MiB of the largest row each at most.
      const plan = planChunks(target.tables.find((t) => t.source === 'docs')!, {
        rows: 13,
        min: 1n,
        max: 13n,
        sizes: docsSizes,
      });
      expect(plan).toEqual({ kind: 'range', bounds: [1n, 14n] });
      const many = planChunks(target.tables.find((t) => t.source === 'docs')!, {
        rows: 100,
        min: 1n,
        max: 100n,
        sizes: { largest: 4 * BLOB, total: 400 * BLOB },
      });
      expect(many.kind === 'range' && many.bounds.length).toBeGreaterThan(20);
    } finally {
      sqlite.close();
    }
  });

  it('snapshot and sync carry them exactly, batch by batch', async () => {
    const file = largeRowsFile(24);
    const sync = startSync(file, db.url());
    const equal = async () => (await verify(file, db.url())).equal;
    await sync.snapshotted();
    expect(await equal()).toBe(true);
    // 24 MiB of changed rows: more than one batch's byte budget, so several batches.
    const app = new Database(file);
    app.prepare('UPDATE docs SET data = ? WHERE id <= 24').run(Buffer.alloc(BLOB, 0xee));
    app.prepare("UPDATE docs SET name = 'small, renamed' WHERE id = 25").run();
    app.close();
    await until(equal, 60_000);
    const result = await sync.stop();
    expect(result.batches).toBeGreaterThan(3);
  }, 120_000);
});

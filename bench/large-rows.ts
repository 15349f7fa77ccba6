/**
 * Large rows: a table of --rows blobs of --blob-mb MiB each (documents, images). Measures
 * `litebridge snapshot` (its own process: wall time and peak RSS), then `litebridge sync` (its own
 * process) following one application transaction that rewrites every blob: the time until
 * PostgreSQL's checkpoint covers it and sync's peak RSS meanwhile. `verify` checks both ends.
 * Run: `npm run build && node dist/bench/large-rows.js [--rows 300] [--blob-mb 2]`.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { benchArgs, PG_OPTIONS, parseCount, runBench } from './lib/args.js';
import { SyncProcess, waitFor } from './lib/child.js';
import { CLI, int, log, ROOT, resultPath, writeJson } from './lib/harness.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { measure, run, TreeSampler } from './lib/measure.js';
import { freshDatabase, readCheckpoint, withBenchServer, withClient } from './lib/pg-admin.js';

const USAGE = `usage: node dist/bench/large-rows.js [--rows N] [--blob-mb N] [--pg-url URL] [--fast] [--out DIR]
  --rows     blobs in the table (default 300)
  --blob-mb  MiB per blob (default 2)
  --pg-url   superuser URL of an existing PostgreSQL instead of the embedded one
  --fast     start the embedded PostgreSQL with fsync=off
  --out      output folder (default bench/out)`;

/** A WAL file holding `rows` blobs of `bytes` each in `docs (id, name, data)`. */
function blobFile(path: string, rows: number, bytes: number): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.exec('DROP TABLE IF EXISTS docs; CREATE TABLE docs (id INTEGER PRIMARY KEY, name TEXT, data BLOB)');
    const insert = db.prepare('INSERT INTO docs (id, name, data) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= rows; i++) insert.run(i, `document ${i}`, Buffer.alloc(bytes, i % 251));
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** Runs `litebridge verify`; throws unless it reports the two sides equal. */
async function verified(sqlite: string, url: string, logPath: string): Promise<void> {
  const status = await run(new TreeSampler(), CLI, ['verify', '--sqlite', sqlite, '--pg', url], logPath);
  if (status.code !== 0) throw new Error(`verify found differences or failed (see ${logPath})`);
}

async function main(): Promise<void> {
  const values = benchArgs(USAGE, {
    rows: { type: 'string', default: '300' },
    'blob-mb': { type: 'string', default: '2' },
    out: { type: 'string', default: join(ROOT, 'bench', 'out') },
    ...PG_OPTIONS,
  });
  if (values === null) return;
  const rows = parseCount(values.rows, '--rows', 1);
  const bytes = parseCount(values['blob-mb'], '--blob-mb', 1) * 1024 * 1024;
  const machine = machineInfo();
  const sqlite = join(values.out, 'large-rows.db');
  const logPath = join(values.out, 'large-rows.log');
  log(`writing ${rows} blobs of ${int(bytes)} bytes`);
  blobFile(sqlite, rows, bytes);
  await withBenchServer({ ...values, dataDir: 'pg-large-rows' }, async (server) => {
    const url = await freshDatabase(server.adminUrl, 'litebridge_large_rows');
    log('litebridge snapshot');
    const snapshot = await measure((sampler) =>
      run(sampler, CLI, ['snapshot', '--sqlite', sqlite, '--pg', url, '--replace'], logPath),
    );
    if (snapshot.result.code !== 0) throw new Error(`snapshot failed (see ${logPath})`);
    await verified(sqlite, url, logPath);
    log('litebridge sync (its own snapshot first), then one transaction rewriting every blob');
    const syncUrl = await freshDatabase(server.adminUrl, 'litebridge_large_rows_sync');
    const sync = new SyncProcess(sqlite, syncUrl, logPath, []);
    const follow = await withClient(syncUrl, async (client) => {
      await waitFor('sync to start streaming', 10 * 60_000, async () =>
        (await readCheckpoint(client))?.state === 'done' ? true : null,
      );
      const app = new Database(sqlite);
      const head = Number(
        app.prepare('SELECT ifnull(max(seq), 0) FROM _litebridge_changelog').pluck().get() as number,
      );
      sync.mark();
      const started = performance.now();
      app.prepare('UPDATE docs SET data = ?').run(Buffer.alloc(bytes, 0xee));
      app.close();
      await waitFor('sync to apply the rewrite', 60 * 60_000, async () =>
        ((await readCheckpoint(client))?.checkpoint ?? 0) >= head + rows ? true : null,
      );
      return performance.now() - started;
    });
    const cost = await sync.stop();
    await verified(sqlite, syncUrl, logPath);
    const result = {
      rows,
      blobBytes: bytes,
      snapshot: { wallMs: Math.round(snapshot.wallMs), peakRssMb: Math.round(snapshot.peakRssMb) },
      sync: { applyMs: Math.round(follow), peakRssMb: Math.round(cost.peakRssMb) },
    };
    const out = resultPath(values.out, 'large-rows', machine);
    writeJson(out, { machine, postgres: server.postgres, ...result });
    const mb = (rows * bytes) / 2 ** 20;
    process.stdout.write(
      `${[
        `## Large rows: ${rows} blobs of ${values['blob-mb']} MiB (${int(mb)} MiB)`,
        '',
        `- Date: ${machine.date}; ${describeMachine(machine, false)}; PostgreSQL ${server.postgres}`,
        '',
        '| step | time | MiB/s | peak RSS |',
        '| --- | ---: | ---: | ---: |',
        `| \`litebridge snapshot\` (then verify: equal) | ${(snapshot.wallMs / 1000).toFixed(1)} s | ${int(mb / (snapshot.wallMs / 1000))} | ${result.snapshot.peakRssMb} MiB |`,
        `| \`litebridge sync\`: one transaction rewriting every blob, until PostgreSQL's checkpoint has it (then verify: equal) | ${(follow / 1000).toFixed(1)} s | ${int(mb / (follow / 1000))} | ${result.sync.peakRssMb} MiB (whole process, snapshot included) |`,
        '',
        `(written to ${out})`,
      ].join('\n')}\n`,
    );
  });
}

runBench(main, USAGE);

import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';

/** The application: another process writing to the SQLite file in a loop until stopped. */
export interface AppWriter {
  /** Stops the loop; resolves with the commits made and the errors seen. */
  stop(): Promise<{ commits: number; errors: string[] }>;
}

const SCRIPT = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2]);
db.pragma('busy_timeout = ' + Number(process.argv[3]));
let commits = 0; const errors = [];
const step = db.transaction((n) => {
  db.prepare('INSERT INTO late (n) VALUES (?)').run(n);
  db.prepare('UPDATE big SET payload = ? WHERE id = 1').run('changed ' + n);
});
const timer = setInterval(() => {
  try { step(commits + 1); commits++; } catch (e) { errors.push(String(e.message)); }
}, 1);
process.on('message', () => { clearInterval(timer); process.send({ commits, errors }, () => process.exit(0)); });
process.on('disconnect', () => process.exit(0)); // the test process is gone: never outlive it
process.send('started');
`;

/**
 * Starts a writer process on `file` (tables big(id, payload) and late(id, n)): every
 * millisecond one transaction inserts into late and updates big's row 1 to match, so any
 * consistent snapshot has payload = 'changed <rows in late - 1>'.
 */
export function startAppWriter(file: string, busyTimeoutMs: number): Promise<AppWriter> {
  return startWriterProcess(SCRIPT, [file, String(busyTimeoutMs)]);
}

/**
 * Runs `script` (given better-sqlite3's path, then `args`) in another process; it sends a first
 * message once started, and its result when sent 'stop'.
 */
export async function startWriterProcess<T>(
  script: string,
  args: readonly string[],
): Promise<{ stop(): Promise<T> }> {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const child: ChildProcess = spawn(process.execPath, ['-e', script, sqlite, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`writer exited with ${code}`)));
  });
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('message', (result) => resolve(result as T));
        child.send('stop');
      }),
  };
}

const STEPS_SCRIPT = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2]);
db.pragma('busy_timeout = ' + Number(process.argv[3]));
const steps = JSON.parse(process.argv[4]);
(async () => {
  for (const step of steps) {
    if (typeof step === 'number') await new Promise((resolve) => setTimeout(resolve, step));
    else db.exec(step);
  }
  db.close();
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

/**
 * Runs the application's statements in another process, as a migration tool would while sync
 * runs: each string is one `exec` call (its statements each their own autocommit, as the sqlite3
 * shell runs a script), each number a pause (ms). Rejects with the first error.
 */
export async function runAppSteps(
  file: string,
  steps: readonly (string | number)[],
  busyTimeoutMs: number,
): Promise<void> {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const child = spawn(
    process.execPath,
    ['-e', STEPS_SCRIPT, sqlite, file, String(busyTimeoutMs), JSON.stringify(steps)],
    { stdio: ['ignore', 'inherit', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`app steps failed: ${stderr}`))));
  });
}

/**
 * A WAL-mode file with the tables the writer uses: `big` (`rows` rows of ~100 bytes) and `late`
 * (one row). Returns its path (made with the caller's temp-file helper).
 */
export function writerWorkloadFile(path: string, rows: number): string {
  const setup = new Database(path);
  setup.pragma('journal_mode = WAL');
  setup.exec(
    'CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT); CREATE TABLE late (id INTEGER PRIMARY KEY, n INTEGER)',
  );
  const fill = setup.prepare('INSERT INTO big (payload) VALUES (?)');
  setup.transaction(() => {
    for (let i = 0; i < rows; i++) fill.run(`row ${i} ${'x'.repeat(100)}`);
  })();
  setup.prepare('INSERT INTO late (n) VALUES (0)').run();
  setup.close();
  return path;
}

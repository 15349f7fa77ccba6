import { startWriterProcess } from './app-writer.js';

/** An application writing in ticks (as a collector does), in another process, until stopped. */
export interface TickWriter {
  /** Stops the loop; resolves with the ticks committed and the errors seen. */
  stop(): Promise<{ ticks: number; errors: string[] }>;
}

const SCRIPT = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2]);
db.pragma('busy_timeout = 5000');
const statements = JSON.parse(process.argv[3]).map((sql) => db.prepare(sql));
let ticks = 0; const errors = [];
const tick = db.transaction((n) => { for (const s of statements) s.run({ n }); });
const timer = setInterval(() => {
  try { tick(ticks + 1); ticks++; } catch (e) { errors.push(String(e.message)); }
}, Number(process.argv[4]));
process.on('message', () => { clearInterval(timer); process.send({ ticks, errors }, () => process.exit(0)); });
process.on('disconnect', () => process.exit(0)); // the test process is gone: never outlive it
process.send('started');
`;

/**
 * Starts a process that runs `statements` (each may use the tick number as :n) in one
 * transaction every `tickMs` milliseconds on `file`.
 */
export function startTickWriter(
  file: string,
  statements: readonly string[],
  tickMs: number,
): Promise<TickWriter> {
  return startWriterProcess(SCRIPT, [file, JSON.stringify(statements), String(tickMs)]);
}

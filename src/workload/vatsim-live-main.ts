/**
 * The live VATSIM-like writer as its own process (the application is another process than
 * litebridge): `node dist/src/workload/vatsim-live-main.js --sqlite FILE --events-per-second N
 * [--seconds S] [--events N] [--tick-ms MS] [--seed N] [--keys hot|random]`. Runs until
 * --seconds pass, --events are written, or SIGINT/SIGTERM; then prints its counters as one JSON
 * line on stdout and exits 0.
 * `--events-per-second 0 --events N` writes N events as fast as it can.
 */
import { parseArgs } from 'node:util';
import { startVatsimLive } from './vatsim-live.js';

function count(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} must be a non-negative number, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sqlite: { type: 'string' },
      'events-per-second': { type: 'string', default: '1000' },
      seconds: { type: 'string' },
      events: { type: 'string' },
      'tick-ms': { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
      keys: { type: 'string', default: 'hot' },
    },
  });
  if (values.sqlite === undefined) throw new Error('--sqlite FILE is required');
  const keys = values.keys;
  if (keys !== 'hot' && keys !== 'random') throw new Error(`--keys must be hot or random, got ${keys}`);
  const eventsPerSecond = count(values['events-per-second'], '--events-per-second', 1000);
  const seconds = count(values.seconds, '--seconds', 0);
  const maxEvents = count(values.events, '--events', Number.POSITIVE_INFINITY);
  if (eventsPerSecond === 0 && !Number.isFinite(maxEvents))
    throw new Error('--events-per-second 0 (as fast as possible) needs --events N');
  const started = performance.now();
  const handle = startVatsimLive(values.sqlite, {
    eventsPerSecond,
    maxEvents,
    tickMs: count(values['tick-ms'], '--tick-ms', 1000),
    seed: count(values.seed, '--seed', 1),
    keys,
  });
  const stop = (): void => void handle.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // The process that started this writer is gone (killed): stop too, never write on forever.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1000).unref();
  const timer = seconds > 0 ? setTimeout(stop, seconds * 1000) : undefined;
  const counters = await handle.done;
  if (timer !== undefined) clearTimeout(timer);
  const wallMs = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ ...counters, wallMs: Math.round(wallMs) })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

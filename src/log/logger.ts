import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a log record. */
const REDACT = ['pgUrl', 'password', 'connectionString', '*.password', '*.pgUrl', '*.connectionString'];

/**
 * The one root logger: JSON lines on stderr (stdout is for command results), level from
 * LITEBRIDGE_LOG_LEVEL (default `info`; `silent` turns it off). Row data is logged only at debug.
 */
export function createRootLogger(level = process.env.LITEBRIDGE_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    { level, base: { app: 'litebridge' }, redact: { paths: REDACT, censor: '***' } },
    pino.destination(2),
  );
}

/** A logger that writes nothing: for library callers and tests that do not care. */
export const silentLogger: Logger = pino({ level: 'silent' });

import { BridgeError, fromPgError, isPgFailure } from '../errors.js';

/** JSON.stringify that writes bigints as decimal strings and Uint8Arrays as hex. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
      return v;
    },
    2,
  );
}

/** Renders rows as an aligned text table for a terminal. */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (typeof rows[0]?.[i] === 'number' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/**
 * The error as the operator reads it: code, message, hint and where. What pg throws when
 * PostgreSQL fails or goes away is a `TARGET` error wherever it escaped from, never `INTERNAL`.
 */
export function describeError(thrown: unknown): { text: string; json: Record<string, unknown> } {
  const error = isPgFailure(thrown) ? fromPgError(thrown, 'PostgreSQL failed') : thrown;
  if (error instanceof BridgeError) {
    const details = Object.entries(error.details).filter(([, v]) => v !== undefined);
    const text = [
      `litebridge: ${error.code}: ${error.message}`,
      ...details.map(([k, v]) => `  ${k}: ${typeof v === 'string' ? v : toJson(v)}`),
      ...(error.hint === undefined ? [] : [`  hint: ${error.hint}`]),
    ].join('\n');
    return {
      text,
      json: {
        error: {
          code: error.code,
          message: error.message,
          retriable: error.retriable,
          details: error.details,
          hint: error.hint,
        },
      },
    };
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return {
    text: `litebridge: INTERNAL: ${message}\n  hint: this is a bug in litebridge; please report it with the command you ran`,
    json: { error: { code: 'INTERNAL', message: String(error) } },
  };
}

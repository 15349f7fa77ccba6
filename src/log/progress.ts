import type { Logger } from 'pino';

/** Progress of one table's copy. */
interface TableProgress {
  rows: number;
  total: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** One table's copy as `CopyProgress.tables()` reports it. */
export interface TableCount {
  readonly table: string;
  readonly rowsCopied: number;
  /** Rows at the snapshot point. */
  readonly rowsTotal: number;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

/**
 * Reports per-table progress (rows, rows/s, ETA): a status line redrawn on a terminal, or a
 * pino record every `logEveryMs` otherwise. Nothing here touches a database.
 */
export class CopyProgress {
  readonly #tables = new Map<string, TableProgress>();
  readonly #log: Logger;
  readonly #tty: NodeJS.WriteStream | null;
  readonly #timer: NodeJS.Timeout;
  #lastLine = 0;

  constructor(
    log: Logger,
    options: { readonly tty?: NodeJS.WriteStream | null; readonly logEveryMs?: number } = {},
  ) {
    this.#log = log;
    this.#tty = options.tty === undefined ? (process.stderr.isTTY ? process.stderr : null) : options.tty;
    this.#timer = setInterval(
      () => this.#report(),
      this.#tty === null ? (options.logEveryMs ?? 10_000) : 250,
    );
    this.#timer.unref();
  }

  /** A table will be copied: `total` rows at the snapshot point (counted before any stream starts). */
  plan(table: string, total: number): void {
    if (!this.#tables.has(table))
      this.#tables.set(table, { rows: 0, total, startedAt: null, finishedAt: null });
  }

  /** A table's copy starts; `total` is its row count at the snapshot point. */
  start(table: string, total: number): void {
    const p = this.#tables.get(table);
    if (p === undefined) this.#tables.set(table, { rows: 0, total, startedAt: Date.now(), finishedAt: null });
    else Object.assign(p, { total, startedAt: Date.now() });
  }

  /** Every planned or started table, with its rows so far. */
  tables(): TableCount[] {
    const at = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
    return [...this.#tables.entries()].map(([table, p]) => ({
      table,
      rowsCopied: p.rows,
      rowsTotal: p.total,
      startedAt: at(p.startedAt),
      finishedAt: at(p.finishedAt),
    }));
  }

  /** `rows` more rows of `table` were sent. */
  advance(table: string, rows: number): void {
    const p = this.#tables.get(table);
    if (p !== undefined) p.rows += rows;
  }

  /** A table's copy ended. */
  finish(table: string): void {
    const p = this.#tables.get(table);
    if (p === undefined) return;
    p.finishedAt = Date.now();
    this.#clearLine();
    const seconds = (p.finishedAt - (p.startedAt ?? p.finishedAt)) / 1000;
    this.#log.info(
      { table, rows: p.rows, seconds, rowsPerSecond: Math.round(p.rows / Math.max(seconds, 1e-3)) },
      'table copied',
    );
  }

  /** Stops the reports and clears the status line. */
  close(): void {
    clearInterval(this.#timer);
    this.#clearLine();
  }

  #report(): void {
    const running = [...this.#tables.entries()].filter(
      (entry): entry is [string, TableProgress & { startedAt: number }] =>
        entry[1].startedAt !== null && entry[1].finishedAt === null,
    );
    if (running.length === 0) return;
    const parts = running.map(([table, p]) => {
      const seconds = Math.max((Date.now() - p.startedAt) / 1000, 1e-3);
      const rate = p.rows / seconds;
      const eta = rate > 0 ? Math.max(0, (p.total - p.rows) / rate) : Number.NaN;
      return {
        table,
        rows: p.rows,
        total: p.total,
        rowsPerSecond: Math.round(rate),
        etaSeconds: Math.round(eta),
      };
    });
    if (this.#tty === null) {
      for (const part of parts) this.#log.info(part, 'copying');
      return;
    }
    const line = parts
      .map(
        (p) =>
          `${p.table} ${fmt(p.rows)}/${fmt(p.total)} ${fmt(p.rowsPerSecond)} rows/s ETA ${Number.isNaN(p.etaSeconds) ? '?' : `${p.etaSeconds}s`}`,
      )
      .join(' | ');
    const cut = line.slice(0, Math.max(20, (this.#tty.columns ?? 120) - 1));
    this.#tty.write(`\r${cut.padEnd(this.#lastLine)}`);
    this.#lastLine = cut.length;
  }

  #clearLine(): void {
    if (this.#tty !== null && this.#lastLine > 0) {
      this.#tty.write(`\r${' '.repeat(this.#lastLine)}\r`);
      this.#lastLine = 0;
    }
  }
}

function fmt(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  return String(n);
}

/**
 * Prometheus metrics of one sync process (prom-client), served on `/metrics` when the operator
 * asks for a port. One registry per process; components update the gauges they own, and the
 * figures of `status` (backlog, snapshot progress, phase, the slot's retained WAL) are read
 * afresh at each scrape, so they are the same as `status` would print.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';

/** The phases `litebridge_phase` knows: the first snapshot's copy, then the cutover phases. */
export const METRIC_PHASES = ['snapshot', 'forward', 'cutover', 'rolled-back', 'finished'] as const;

/** The figures of `status` the metrics show; null where status does not know one. */
export interface StatusSample {
  readonly backlog: number | null;
  readonly snapshotRowsCopied: number | null;
  readonly snapshotRowsTotal: number | null;
  readonly phase: (typeof METRIC_PHASES)[number];
  readonly caughtUp: boolean;
  /** The reverse slot after cutover, with the WAL it keeps on the server (null once lost). */
  readonly slot: { readonly name: string; readonly retainedBytes: number | null } | null;
  /** Per partitioned table: the horizon in intervals past now, rows in DEFAULT and those inside the range. */
  readonly partitions?: readonly {
    readonly table: string;
    readonly horizonIntervals: number | null;
    readonly defaultRows: number;
    readonly defaultRowsInRange: number;
  }[];
}

/** The metrics litebridge exposes. */
export class BridgeMetrics {
  readonly registry = new Registry();
  #readStatus: (() => Promise<StatusSample>) | null = null;
  readonly statusUp = new Gauge({
    name: 'litebridge_status_up',
    help: 'Whether the last scrape could read both sides (1) or not (0: the status figures are NaN)',
    registers: [this.registry],
  });
  readonly backlog = new Gauge({
    name: 'litebridge_backlog_events',
    help: 'Events captured in SQLite but not yet applied (NaN while unknown: before the first snapshot is done)',
    registers: [this.registry],
  });
  readonly snapshotRowsCopied = new Gauge({
    name: 'litebridge_snapshot_rows_copied',
    help: 'Rows the snapshot in progress has copied (NaN when no snapshot copies)',
    registers: [this.registry],
  });
  readonly snapshotRowsTotal = new Gauge({
    name: 'litebridge_snapshot_rows_total',
    help: 'Rows the snapshot in progress copies in all (NaN when no snapshot copies)',
    registers: [this.registry],
  });
  readonly phase = new Gauge({
    name: 'litebridge_phase',
    help: 'The current phase: 1 for it, 0 for the others (snapshot, forward, cutover, rolled-back, finished)',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });
  readonly caughtUp = new Gauge({
    name: 'litebridge_caught_up',
    help: 'Snapshot done, capture installed, backlog 0 and no sync error (1) or not (0)',
    registers: [this.registry],
  });
  readonly slotRetained = new Gauge({
    name: 'litebridge_slot_retained_wal_bytes',
    help: 'After cutover: WAL the reverse replication slot keeps on the PostgreSQL server (bytes)',
    labelNames: ['slot'] as const,
    registers: [this.registry],
  });
  readonly checkpoint = new Gauge({
    name: 'litebridge_checkpoint_seq',
    help: 'Last changelog seq applied to PostgreSQL',
    registers: [this.registry],
  });
  readonly lagMs = new Gauge({
    name: 'litebridge_lag_ms',
    help: 'Capture of the last applied batch’s newest event to its PostgreSQL commit (ms)',
    registers: [this.registry],
  });
  readonly events = new Counter({
    name: 'litebridge_events_applied_total',
    help: 'Changelog events applied to PostgreSQL',
    registers: [this.registry],
  });
  readonly batches = new Counter({
    name: 'litebridge_batches_applied_total',
    help: 'Batches applied to PostgreSQL',
    registers: [this.registry],
  });
  readonly driftRows = new Gauge({
    name: 'litebridge_drift_rows',
    help: 'Rows found different by the last drift check of a table (kind: missing, extra, different)',
    labelNames: ['table', 'kind'] as const,
    registers: [this.registry],
  });
  readonly driftChecks = new Counter({
    name: 'litebridge_drift_chunks_checked_total',
    help: 'Chunks compared by the drift observer',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly driftLastCheck = new Gauge({
    name: 'litebridge_drift_last_check_timestamp_seconds',
    help: 'When the drift observer last finished a check (Unix time)',
    registers: [this.registry],
  });

  readonly partitionHorizon = new Gauge({
    name: 'litebridge_partition_horizon_intervals',
    help: 'How many intervals the newest partition of a partitioned table reaches past now (warn below 1)',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly partitionDefaultRows = new Gauge({
    name: 'litebridge_partition_default_rows',
    help: 'Rows in the DEFAULT partition of a partitioned table (in_range="true": inside the partitioned range, which should be 0)',
    labelNames: ['table', 'in_range'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Unknown until read (`refresh`): never a 0 nobody read.
    for (const gauge of [this.backlog, this.snapshotRowsCopied, this.snapshotRowsTotal])
      gauge.set(Number.NaN);
    this.statusUp.set(0);
  }

  /** Where the status figures come from; read at each scrape. */
  readStatusWith(read: () => Promise<StatusSample>): void {
    this.#readStatus = read;
  }

  /** Reads the status figures into their gauges (NaN, and status_up 0, when they cannot be read). */
  async refresh(): Promise<void> {
    if (this.#readStatus === null) return;
    const sample = await this.#readStatus().catch(() => null);
    const value = (n: number | null | undefined): number => (n === null || n === undefined ? Number.NaN : n);
    this.statusUp.set(sample === null ? 0 : 1);
    this.backlog.set(value(sample?.backlog));
    this.snapshotRowsCopied.set(value(sample?.snapshotRowsCopied));
    this.snapshotRowsTotal.set(value(sample?.snapshotRowsTotal));
    this.caughtUp.set(sample?.caughtUp === true ? 1 : 0);
    this.phase.reset();
    if (sample !== null)
      for (const p of METRIC_PHASES) this.phase.set({ phase: p }, p === sample.phase ? 1 : 0);
    this.slotRetained.reset();
    if (sample?.slot != null)
      this.slotRetained.set({ slot: sample.slot.name }, value(sample.slot.retainedBytes));
    this.partitionHorizon.reset();
    this.partitionDefaultRows.reset();
    for (const p of sample?.partitions ?? []) {
      this.partitionHorizon.set({ table: p.table }, value(p.horizonIntervals));
      this.partitionDefaultRows.set(
        { table: p.table, in_range: 'false' },
        p.defaultRows - p.defaultRowsInRange,
      );
      this.partitionDefaultRows.set({ table: p.table, in_range: 'true' }, p.defaultRowsInRange);
    }
  }
}

/** Serves `metrics` on http://host:port/metrics; resolves once listening. */
export function serveMetrics(metrics: BridgeMetrics, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('see /metrics\n');
      return;
    }
    metrics
      .refresh()
      .then(() => metrics.registry.metrics())
      .then(
        (body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
        },
        (error: Error) => {
          res.writeHead(500).end(`${error.message}\n`);
        },
      );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * Prometheus metrics of one sync process (prom-client), served on `/metrics` when the operator
 * asks for a port. One registry per process; components update the gauges they own.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';

/** The metrics litebridge exposes. */
export class BridgeMetrics {
  readonly registry = new Registry();
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
}

/** Serves `metrics` on http://host:port/metrics; resolves once listening. */
export function serveMetrics(metrics: BridgeMetrics, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('see /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
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

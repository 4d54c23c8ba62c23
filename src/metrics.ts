import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type HttpLabel = 'method' | 'route' | 'status';

/**
 * The Prometheus registry of one app instance and the HTTP instruments every request feeds.
 * Later modules register their own instruments on `registry`
 * (`new Counter({ name, help, registers: [metrics.registry] })`) so `/metrics` shows them.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Seconds from the first middleware to the end of the response, by route pattern. */
  readonly httpRequestDuration: Histogram<HttpLabel>;
  readonly httpRequestsTotal: Counter<HttpLabel>;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event-loop lag, GC); on unless a test turns them off. */
  defaultMetrics?: boolean;
}

// Callback deadlines are 3–5 s and the widget expects answers well under a second.
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A fresh registry (never prom-client's global one, so tests and several apps do not collide). */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const httpRequestDuration = new Histogram<HttpLabel>({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by route pattern, method and status',
    labelNames: ['method', 'route', 'status'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const httpRequestsTotal = new Counter<HttpLabel>({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  return { registry, httpRequestDuration, httpRequestsTotal };
}

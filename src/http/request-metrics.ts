import type { Context } from 'koa';
import type { Metrics } from '../metrics.ts';
import { matchedRoute, type ResponseOutcome } from './response-outcome.ts';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Feeds the HTTP histogram and counter; unmatched paths share one label so scanners cannot explode it. */
export function recordRequestMetrics(metrics: Metrics, ctx: Context, { status, ms }: ResponseOutcome): void {
  const labels = {
    method: KNOWN_METHODS.has(ctx.method) ? ctx.method : 'OTHER',
    route: matchedRoute(ctx) ?? 'unmatched',
    status: String(status),
  };
  metrics.httpRequestDuration.observe(labels, ms / 1000);
  metrics.httpRequestsTotal.inc(labels);
}

import type { Router } from '@koa/router';
import type { Metrics } from '../metrics.ts';
import type { AppState } from './app-state.ts';

/** Adds `GET /metrics`: Prometheus text exposition of the app's own registry. */
export function addMetricsRoute(router: Router<AppState>, metrics: Metrics): void {
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
}

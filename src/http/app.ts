import Koa from 'koa';
import { Router } from '@koa/router';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { AppState } from './app-state.ts';
import { bodyParser, type BodyLimits } from './body-parser.ts';
import { errorMiddleware } from './error-middleware.ts';
import { addHealthRoute, type HealthReport } from './health-route.ts';
import { addMetricsRoute } from './metrics-route.ts';
import { mountRouter } from './mount-router.ts';
import { requestContext } from './request-context.ts';

export interface AppOptions {
  logger: Logger;
  metrics: Metrics;
  /** Resolves when storage answers; `/healthz` turns a rejection into 503. */
  checkHealth: () => Promise<void>;
  /** Extra facts (e.g. calendar years without data) for a healthy `/healthz` body. */
  healthInfo?: () => HealthReport | Promise<HealthReport>;
  healthTimeoutMs?: number;
  /** Routers mounted after the built-in ones; more can be added with `mountRouter(app, r)` before `startServer` (Koa composes middleware when the server takes its callback). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- routers carry their own state/context types
  routers?: Router<any, any>[];
  /** Defaults: JSON 1 MB, XML/text/form 256 KB (see DEFAULT_BODY_LIMITS). */
  bodyLimits?: Partial<BodyLimits>;
  /** Trust X-Forwarded-* headers (set when running behind a reverse proxy or load balancer). */
  trustProxy?: boolean;
}

/**
 * The Koa app with the base every route stands on, outermost first: the request context (id,
 * child logger, access log and metrics), the error middleware, the body parser, then `/healthz`
 * and `/metrics`, then the given routers.
 */
export function createApp(options: AppOptions): Koa<AppState> {
  const app = new Koa<AppState>({ proxy: options.trustProxy === true });
  app.use(requestContext({ logger: options.logger, metrics: options.metrics }));
  app.use(errorMiddleware(options.logger));
  app.use(bodyParser(options.bodyLimits));
  // The built-in routes share one router: every request passes each router's matcher once.
  const system = new Router<AppState>();
  addHealthRoute(system, {
    checkHealth: options.checkHealth,
    healthInfo: options.healthInfo,
    timeoutMs: options.healthTimeoutMs,
  });
  addMetricsRoute(system, options.metrics);
  mountRouter(app, system);
  for (const router of options.routers ?? []) mountRouter(app, router);
  // Only failures after the error middleware answered end up here (e.g. a response stream breaking).
  app.on('error', (error: unknown) =>
    options.logger.error({ err: error }, 'response failed after the error middleware'),
  );
  return app;
}

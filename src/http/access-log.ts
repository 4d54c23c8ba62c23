import type { Middleware } from 'koa';
import type { AppState } from './app-state.ts';
import { matchedRoute, onResponseEnd } from './response-outcome.ts';

export interface AccessLogOptions {
  /** Paths polled by machines (probes, scrapers) are logged at debug so they do not drown the rest. */
  quietPaths?: readonly string[];
}

const MAX_LOGGED_PATH = 256;

/**
 * One line per request with method, path, route, status and duration. Only the path is logged:
 * callback query strings carry signatures, nonces and echo strings.
 */
export function accessLog(options: AccessLogOptions = {}): Middleware<AppState> {
  const quietPaths = new Set(options.quietPaths ?? ['/healthz', '/metrics']);
  return async (ctx, next) => {
    const startedAt = performance.now();
    onResponseEnd(ctx.res, startedAt, ({ status, aborted, ms }) => {
      const entry = {
        method: ctx.method,
        path: ctx.path.slice(0, MAX_LOGGED_PATH),
        route: matchedRoute(ctx),
        status,
        ms: Math.round(ms * 10) / 10,
        ...(ctx.state.errorCode === undefined ? {} : { code: ctx.state.errorCode }),
        ...(aborted ? { aborted } : {}),
      };
      if (quietPaths.has(ctx.path) && status < 400) ctx.state.log.debug(entry, 'http request');
      else ctx.state.log.info(entry, 'http request');
    });
    await next();
  };
}

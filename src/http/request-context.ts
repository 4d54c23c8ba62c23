import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { logAccess } from './access-log.ts';
import type { AppState } from './app-state.ts';
import { recordRequestMetrics } from './request-metrics.ts';
import { onResponseEnd } from './response-outcome.ts';

const REQUEST_ID_HEADER = 'X-Request-Id';
// A proxy's id is reused only when it cannot smuggle anything into logs or headers.
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function isSaneRequestId(value: string): boolean {
  return SANE_REQUEST_ID.test(value);
}

/**
 * `ctx.state` of every request. The child logger is made on first use: most requests log only
 * their access line, which names `reqId` itself, and a pino child costs more than the rest of the
 * request's bookkeeping together.
 */
class RequestState implements AppState {
  #log: Logger | undefined;
  readonly #root: Logger;
  readonly requestId: string;
  errorCode?: AppState['errorCode'];

  constructor(root: Logger, requestId: string) {
    this.#root = root;
    this.requestId = requestId;
  }

  get log(): Logger {
    return (this.#log ??= this.#root.child({ reqId: this.requestId }));
  }
}

export interface RequestContextOptions {
  logger: Logger;
  metrics: Metrics;
  /** Paths polled by machines (probes, scrapers): their access lines go to debug. */
  quietPaths?: readonly string[];
}

/**
 * The outermost middleware: gives every request an id (the caller's when sane) in `ctx.state`
 * and the response header, a lazily made child logger, and, once the response is over, its access
 * line and HTTP metrics. One middleware and one `close` listener do all of it: this runs for every
 * request, platform callbacks included, so it is kept lean.
 */
export function requestContext(options: RequestContextOptions): Middleware<AppState> {
  const { logger, metrics } = options;
  const quietPaths = new Set(options.quietPaths ?? ['/healthz', '/metrics']);
  return async (ctx, next) => {
    const incoming = ctx.get(REQUEST_ID_HEADER);
    const id = isSaneRequestId(incoming) ? incoming : randomUUID();
    ctx.state = new RequestState(logger, id);
    ctx.set(REQUEST_ID_HEADER, id);
    onResponseEnd(ctx.res, performance.now(), (outcome) => {
      logAccess(logger, ctx, outcome, quietPaths);
      recordRequestMetrics(metrics, ctx, outcome);
    });
    await next();
  };
}

import type { Logger } from '../logger.ts';
import type { AppContext } from './app-state.ts';
import { matchedRoute, type ResponseOutcome } from './response-outcome.ts';

const MAX_LOGGED_PATH = 256;

/**
 * One line per request with its id, method, path, route, status and duration, at debug for the
 * quiet paths unless they failed. Only the path is logged: callback query strings carry
 * signatures, nonces and echo strings. The root logger with `reqId` in the line reads the same as
 * the request's child logger, without making one for requests whose handlers never log.
 */
export function logAccess(
  logger: Logger,
  ctx: AppContext,
  { status, aborted, ms }: ResponseOutcome,
  quietPaths: ReadonlySet<string>,
): void {
  const entry = {
    reqId: ctx.state.requestId,
    method: ctx.method,
    path: ctx.path.slice(0, MAX_LOGGED_PATH),
    route: matchedRoute(ctx),
    status,
    ms: Math.round(ms * 10) / 10,
    ...(ctx.state.errorCode === undefined ? {} : { code: ctx.state.errorCode }),
    ...(aborted ? { aborted } : {}),
  };
  if (quietPaths.has(ctx.path) && status < 400) logger.debug(entry, 'http request');
  else logger.info(entry, 'http request');
}

import type { ServerResponse } from 'node:http';

// nginx's "client closed request": the caller left before any response was sent.
const CLIENT_CLOSED = 499;

export interface ResponseOutcome {
  status: number;
  /** The connection closed before the whole response was written. */
  aborted: boolean;
  /** Milliseconds since `startedAt` (a `performance.now()` reading). */
  ms: number;
}

/** Calls `report` once the response is over (sent, or abandoned by the client). */
export function onResponseEnd(
  res: ServerResponse,
  startedAt: number,
  report: (outcome: ResponseOutcome) => void,
): void {
  res.once('close', () => {
    report({
      status: res.headersSent ? res.statusCode : CLIENT_CLOSED,
      aborted: !res.writableFinished,
      ms: performance.now() - startedAt,
    });
  });
}

/** The route pattern @koa/router matched (`/api/items/:id`), so labels and logs stay low-cardinality. */
export function matchedRoute(ctx: object): string | undefined {
  const route = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
  return route === undefined ? undefined : String(route);
}

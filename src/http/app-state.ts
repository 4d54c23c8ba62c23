import type { ParameterizedContext } from 'koa';
import type { Logger } from '../logger.ts';
import type { ErrorCode } from '../core/errors.ts';

/** What the base middleware puts on `ctx.state` for every request. */
export interface AppState {
  /** The caller's sane `x-request-id`, or a generated UUID; echoed in the response header. */
  requestId: string;
  /** A child logger bound to `reqId`; route code logs through it. */
  log: Logger;
  /** Set by the error middleware when the request ended in an error body; the access log shows it. */
  errorCode?: ErrorCode;
}

export type AppContext = ParameterizedContext<AppState>;

/**
 * Outbound failures say where they came from (STYLE habit 6): WeChat answered with an errcode, or the
 * network/HTTP layer failed. Each carries `retryable`, which the outbox runner reads.
 */

import { PlatformNetworkError } from '../shared/api-errors.ts';

/** The token was refused: refresh and try once more. 40001 is also "bad AppSecret" (protocols §6.8). */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/** The citizen cannot be reached by message/custom/send now: window closed, quota used, unsubscribed. */
export const UNREACHABLE_ERRCODES: ReadonlySet<number> = new Set([45015, 45047, 43004, 40003]);

/** System busy and API quotas: worth trying again later. Everything else fails the same way again. */
const RETRYABLE_ERRCODES: ReadonlySet<number> = new Set([-1, 45009, 45011, ...TOKEN_ERRCODES]);

/** WeChat said no: `errcode` ≠ 0 in the JSON body. */
export class WechatApiError extends Error {
  readonly errcode: number;
  readonly api: string;
  readonly retryable: boolean;
  constructor(api: string, errcode: number, errmsg: string) {
    super(`WeChat ${api} failed: errcode ${errcode} ${errmsg}`);
    this.name = 'WechatApiError';
    this.api = api;
    this.errcode = errcode;
    this.retryable = RETRYABLE_ERRCODES.has(errcode);
  }
}

/** No usable answer: connection failed, timed out, HTTP 5xx/429, or a body that is not WeChat's JSON. */
export class WechatNetworkError extends PlatformNetworkError {
  constructor(
    api: string,
    message: string,
    options: { status?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super('WeChat', api, message, options);
    this.name = 'WechatNetworkError';
  }
}

export function isRetryableErrcode(errcode: number): boolean {
  return RETRYABLE_ERRCODES.has(errcode);
}

export function isRetryableError(error: unknown): boolean {
  return (error instanceof WechatApiError || error instanceof WechatNetworkError) && error.retryable;
}

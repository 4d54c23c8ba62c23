/**
 * Outbound failures say where they came from (STYLE habit 6): WeCom answered with an errcode, or
 * the network/HTTP layer failed. Each carries `retryable`, which the outbox runner reads.
 */

import { PlatformNetworkError } from '../shared/api-errors.ts';

/** Token problems: refresh the access_token and try once more (doc 91039; 40001 is a bad secret). */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40014, 42001, 41001]);

/**
 * Worth trying again later: system busy, frequency and concurrency limits (doc 90454). Everything
 * else WeCom reports (bad secret, bad ids, no permission, content too long …) will fail the same way.
 */
const RETRYABLE_ERRCODES: ReadonlySet<number> = new Set([-1, 45009, 45011, 45033, ...TOKEN_ERRCODES]);

/** WeCom said no: `errcode` ≠ 0 in the JSON body. */
export class WecomApiError extends Error {
  readonly errcode: number;
  readonly api: string;
  readonly retryable: boolean;
  constructor(api: string, errcode: number, errmsg: string) {
    super(`WeCom ${api} failed: errcode ${errcode} ${errmsg}`);
    this.name = 'WecomApiError';
    this.api = api;
    this.errcode = errcode;
    this.retryable = RETRYABLE_ERRCODES.has(errcode);
  }
}

/** No usable answer: connection failed, timed out, HTTP 5xx/429, or a body that is not WeCom's JSON. */
export class WecomNetworkError extends PlatformNetworkError {
  constructor(
    api: string,
    message: string,
    options: { status?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super('WeCom', api, message, options);
    this.name = 'WecomNetworkError';
  }
}

export function isRetryableError(error: unknown): boolean {
  return (error instanceof WecomApiError || error instanceof WecomNetworkError) && error.retryable;
}

/**
 * Outbound failures say where they came from: DingTalk answered with an error in the body (an
 * `errcode` from oapi and webhooks, a `code` from api.dingtalk.com), or the network/HTTP layer
 * failed. Each carries `retryable`, which the outbox runner reads. Errors are read from the body,
 * never from the HTTP status alone: oapi and webhooks answer errors with HTTP 200 (§2.4).
 */

import { PlatformNetworkError } from '../shared/api-errors.ts';

/** Custom robot throttles (§2.4): 410100 (current table) and 130101 (legacy text). */
const THROTTLE_ERRCODES: ReadonlySet<string> = new Set(['410100', '130101']);

/** oapi codes worth retrying: busy, per-API overload, timeouts (15/88 on the old API, §7). */
const RETRYABLE: ReadonlySet<string> = new Set([
  '-1',
  '90002',
  '15',
  '88',
  ...THROTTLE_ERRCODES,
  // api.dingtalk.com codes
  'send.too.fast',
  'send.byToken.tooFast',
  'flow.controlled',
  'Throttling',
  'Throttling.Api',
  'Throttling.User',
  'ServiceUnavailable',
  'SystemBusy',
  'InternalError',
  '1111',
]);

/** Access token rejected: drop it, fetch a new one, repeat once. */
export const TOKEN_ERRORS: ReadonlySet<string> = new Set([
  '40014',
  '42001',
  'InvalidAuthentication',
  'Forbidden.AccessDenied.AccessTokenInvalid',
  'invalidAuthentication',
]);

export class DingtalkApiError extends Error {
  readonly api: string;
  /** `errcode` (as a string) or the new API's `code`. */
  readonly code: string;
  readonly retryable: boolean;
  /** A robot send-rate throttle (pause that robot for 10 minutes). */
  readonly throttled: boolean;
  constructor(api: string, code: string, message: string, options: { retryable?: boolean } = {}) {
    super(`DingTalk ${api} failed: ${code} ${message}`);
    this.name = 'DingtalkApiError';
    this.api = api;
    this.code = code;
    this.throttled = THROTTLE_ERRCODES.has(code) || /too fast|限流/i.test(message);
    this.retryable = options.retryable ?? (RETRYABLE.has(code) || this.throttled);
  }
}

export class DingtalkNetworkError extends PlatformNetworkError {
  constructor(
    api: string,
    message: string,
    options: { status?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super('DingTalk', api, message, options);
    this.name = 'DingtalkNetworkError';
  }
}

export function isRetryableError(error: unknown): boolean {
  return (error instanceof DingtalkApiError || error instanceof DingtalkNetworkError) && error.retryable;
}

/**
 * What the platform clients (WeCom, WeChat OA, DingTalk) share about failures: a network or HTTP
 * failure carries the platform, the API and `retryable`, which the outbox runner reads.
 */

/** No usable answer: connection failed, timed out, HTTP 5xx/429, or a body that is not the platform's JSON. */
export class PlatformNetworkError extends Error {
  readonly api: string;
  readonly status?: number;
  readonly retryable: boolean;
  constructor(
    platform: string,
    api: string,
    message: string,
    options: { status?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(
      `${platform} ${api}: ${message}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.api = api;
    if (options.status !== undefined) this.status = options.status;
    this.retryable = options.retryable ?? true;
  }
}

/** HTTP statuses worth retrying: the platform or a proxy in between is briefly unwell. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

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

/**
 * HTTP statuses worth retrying: timeouts, rate limits and server errors (the platform or a proxy in
 * between is briefly unwell); other 4xx mean the request itself is wrong.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** A platform's NetworkError class (WecomNetworkError …). */
export type NetworkErrorClass = new (
  api: string,
  message: string,
  options?: { status?: number; retryable?: boolean; cause?: unknown },
) => PlatformNetworkError;

/**
 * Sends once: a transport failure becomes a retryable network error of the platform, and (unless
 * `checkStatus` is false, for platforms that report errors in the body only) so does a non-2xx
 * status, retryable when the status says so.
 */
export async function sendOnce<R extends { status: number }>(
  api: string,
  send: () => Promise<R>,
  NetworkError: NetworkErrorClass,
  options: { checkStatus?: boolean } = {},
): Promise<R> {
  let response: R;
  try {
    response = await send();
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'network error';
    throw new NetworkError(api, `request failed (${code})`, { cause: error });
  }
  if (options.checkStatus !== false && (response.status < 200 || response.status >= 300)) {
    throw new NetworkError(api, `HTTP ${response.status}`, {
      status: response.status,
      retryable: isRetryableStatus(response.status),
    });
  }
  return response;
}

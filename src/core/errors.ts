/**
 * The closed list of error codes bangban raises on purpose. Expected outcomes are values
 * (`{ ok: false, reason }`); exceptions carry one of these codes and are mapped to HTTP in
 * exactly one place (src/http/error-middleware.ts) and to exit codes in the CLI.
 */
export const ERROR_CODES = {
  bad_request: 400,
  validation_failed: 400,
  invalid_signature: 401,
  stale_timestamp: 401,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  config_invalid: 500,
  calendar_data_missing: 500,
  storage_unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra machine-readable detail (e.g. the path of a bad field); safe to show the caller. */
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code];
    if (options?.details) this.details = options.details;
  }

  /** 4xx errors are the caller's fault and their message is shown; 5xx messages are not. */
  get expose(): boolean {
    return this.status < 500;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

import type { Context, Middleware } from 'koa';
import { core as zodCore } from 'zod';
import { AppError, isAppError, type ErrorCode } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import type { AppState } from './app-state.ts';

/** The JSON every error response carries. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  /** Headers the error asked for (`Allow`, `Retry-After`, …). */
  headers: Record<string, string>;
}

// 5xx messages may name internals (SQL, file paths); the caller gets one of these instead.
const SERVER_MESSAGES: Record<number, string> = {
  503: 'The service is temporarily unavailable',
};
const INTERNAL_MESSAGE = 'Internal server error';
const MAX_ECHOED_PATH = 200;

// Errors from Koa, @koa/router and raw-body carry an HTTP status (http-errors style).
const CODE_BY_CLIENT_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * The one place errors become HTTP (STYLE habit 5). Catches everything thrown below it, and turns
 * "nothing answered" into 404 and the router's bare 405/501 into 405, always as
 * `{ "error": { "code", "message" } }`. Server errors are logged with the request id; their
 * message and stack never reach the caller.
 */
export function errorMiddleware(fallbackLogger: Logger): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      const unanswered = unansweredError(ctx);
      if (unanswered) throw unanswered;
    } catch (error) {
      const response = toErrorResponse(error);
      const log = ctx.state.log ?? fallbackLogger;
      const { code, message } = response.body.error;
      if (response.status >= 500) log.error({ err: error, code }, 'request failed');
      else log.debug({ code, reason: message }, 'request rejected');
      ctx.state.errorCode = code;
      ctx.status = response.status;
      ctx.set(response.headers);
      // A handler may have set another type before throwing; the body is JSON now.
      ctx.type = 'application/json';
      ctx.body = response.body;
    }
  };
}

function unansweredError(ctx: Context): AppError | undefined {
  const { status, body, method } = ctx;
  const path = ctx.path.length > MAX_ECHOED_PATH ? `${ctx.path.slice(0, MAX_ECHOED_PATH)}…` : ctx.path;
  if (body !== undefined && body !== null) return undefined;
  if (status === 404) return new AppError('not_found', `No route for ${method} ${path}`);
  // @koa/router answers 405 for a known path with another method, 501 for a method it never routes.
  if (status === 405 || status === 501) {
    const allow = ctx.response.get('Allow');
    const allowed = allow ? allow.split(/,\s*/) : [];
    return new AppError('method_not_allowed', `Method ${method} is not allowed on ${path}`, {
      details: { allowed },
    });
  }
  return undefined;
}

/** Maps anything thrown to the status, body and headers of the response. */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (isAppError(error)) return fromAppError(error);
  if (error instanceof zodCore.$ZodError) return fromValidationError(error);
  const httpError = asClientHttpError(error);
  if (httpError) return httpError;
  return serverError('internal', 500);
}

function fromAppError(error: AppError): ErrorResponse {
  if (!error.expose) return serverError(error.code, error.status);
  const headers = error.code === 'method_not_allowed' ? allowHeader(error.details) : {};
  return { status: error.status, body: errorBody(error.code, error.message, error.details), headers };
}

function fromValidationError(error: zodCore.$ZodError): ErrorResponse {
  const issues = error.issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message }));
  const [first] = issues;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  const message = first ? `Invalid request: ${first.path}: ${first.message}${more}` : 'Invalid request';
  return { status: 400, body: errorBody('validation_failed', message, { issues }), headers: {} };
}

/** `['items', 2, 'name']` → `items[2].name`; the root is `(root)`. */
function formatIssuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '(root)' : text;
}

function asClientHttpError(error: unknown): ErrorResponse | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, expose, message, headers } = error as {
    status?: unknown;
    expose?: unknown;
    message?: unknown;
    headers?: unknown;
  };
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  const code = CODE_BY_CLIENT_STATUS[status] ?? 'bad_request';
  const text =
    expose !== false && typeof message === 'string' && message !== '' ? message : code.replaceAll('_', ' ');
  return {
    status: CODE_BY_CLIENT_STATUS[status] ? status : 400,
    body: errorBody(code, text),
    headers: stringHeaders(headers),
  };
}

function serverError(code: ErrorCode, status: number): ErrorResponse {
  return { status, body: errorBody(code, SERVER_MESSAGES[status] ?? INTERNAL_MESSAGE), headers: {} };
}

function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

function allowHeader(details: Record<string, unknown> | undefined): Record<string, string> {
  const allowed = details?.['allowed'];
  return Array.isArray(allowed) && allowed.length > 0 ? { Allow: allowed.join(', ') } : {};
}

function stringHeaders(headers: unknown): Record<string, string> {
  if (typeof headers !== 'object' || headers === null) return {};
  return Object.fromEntries(
    Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

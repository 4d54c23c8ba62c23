import { bodyParser as koaBodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import { AppError } from '../core/errors.ts';

/** Size limits per body kind, as bytes or strings such as `'1mb'` / `'256kb'`. */
export interface BodyLimits {
  json: string | number;
  text: string | number;
  xml: string | number;
  form: string | number;
}

/**
 * JSON (admin API, webchat, 12345) gets 1 MB; XML callbacks (WeCom, WeChat OA) are a few KB
 * encrypted, so 256 KB is generous; plain text and forms likewise 256 KB.
 */
export const DEFAULT_BODY_LIMITS: Readonly<BodyLimits> = Object.freeze({
  json: '1mb',
  text: '256kb',
  xml: '256kb',
  form: '256kb',
});

/**
 * Parses JSON, form, text and XML bodies (XML stays a string) and keeps `ctx.request.rawBody`,
 * the exact text signatures are computed over. Reading or parsing failures become AppErrors:
 * too large → `payload_too_large`, an unknown encoding or charset → `unsupported_media_type`,
 * anything else the client sent wrong (bad JSON, broken gzip, aborted upload) → `bad_request`.
 */
export function bodyParser(limits: Partial<BodyLimits> = {}): Middleware {
  const effective = { ...DEFAULT_BODY_LIMITS, ...limits };
  return koaBodyParser({
    enableTypes: ['json', 'form', 'text', 'xml'],
    jsonLimit: effective.json,
    textLimit: effective.text,
    xmlLimit: effective.xml,
    formLimit: effective.form,
    onError(error, ctx) {
      throw toBodyError(error, ctx);
    },
  });
}

function toBodyError(error: Error, ctx: Context): Error {
  const { status, limit } = error as { status?: unknown; limit?: unknown };
  if (typeof status === 'number' && status >= 500) return error; // our misuse of the stream, not the client's
  if (status === 413) {
    return new AppError('payload_too_large', `Request body is larger than the ${String(limit)} byte limit`, {
      details: { limit },
      cause: error,
    });
  }
  if (status === 415) return new AppError('unsupported_media_type', error.message, { cause: error });
  const what = ctx.is('json', '+json') ? 'not valid JSON' : 'unreadable';
  return new AppError('bad_request', `Request body is ${what}`, { cause: error });
}

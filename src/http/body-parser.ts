import type { IncomingMessage } from 'node:http';
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
  const general = koaBodyParser({
    enableTypes: ['json', 'form', 'text', 'xml'],
    jsonLimit: effective.json,
    textLimit: effective.text,
    xmlLimit: effective.xml,
    formLimit: effective.form,
    onError(error, ctx) {
      throw toBodyError(error, ctx);
    },
  });
  const xmlLimit = byteLimit(effective.xml);
  const textLimit = byteLimit(effective.text);
  return async (ctx, next) => {
    const limit = plainTextBodyLimit(ctx, xmlLimit, textLimit);
    if (limit === undefined) return general(ctx, next);
    let text: string;
    try {
      text = await readUtf8Body(ctx.req, limit);
    } catch (error) {
      throw toBodyError(error as Error, ctx);
    }
    ctx.request.body = text;
    ctx.request.rawBody ??= text;
    return next();
  };
}

// ---------------------------------------------------------------------------------------------
// The callback fast path. Platform callbacks (WeCom, WeChat, DingTalk's XML) are small text/xml
// bodies with a Content-Length; for them the general parser's work per request (five content-type
// matches, co-body, inflation, iconv) is most of what reading costs. Those requests are read here
// with the same result — the body as a UTF-8 string without a leading BOM, in `body` and `rawBody`
// — and the same errors; anything else (another type or parameter, a content-encoding, no or an
// oversized Content-Length, a method the general parser skips) goes to the general parser.

const PLAIN_TEXT_TYPES: ReadonlyMap<string, 'xml' | 'text'> = new Map([
  ['text/xml', 'xml'],
  ['application/xml', 'xml'],
  ['text/xml; charset=utf-8', 'xml'],
  ['application/xml; charset=utf-8', 'xml'],
  ['text/plain', 'text'],
  ['text/plain; charset=utf-8', 'text'],
]);
const PARSED_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const DIGITS = /^\d{1,9}$/;

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const SIZE = /^(\d+(?:\.\d+)?) *(b|kb|mb|gb)$/i;

/**
 * A limit as bytes, read like the general parser reads it (`bytes`: 1024-based units); null for a
 * spelling not handled here, which then turns the fast path off rather than guessing.
 */
function byteLimit(limit: string | number): number | null {
  if (typeof limit === 'number') return Number.isSafeInteger(limit) && limit >= 0 ? limit : null;
  const match = SIZE.exec(limit);
  return match ? Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!) : null;
}

/** The byte limit when the request can take the fast path, else undefined. */
function plainTextBodyLimit(
  ctx: Context,
  xmlLimit: number | null,
  textLimit: number | null,
): number | undefined {
  const { req } = ctx;
  if (!PARSED_METHODS.has(req.method ?? '') || ctx.request.body !== undefined || req.closed) return undefined;
  if ((ctx as { disableBodyParser?: unknown }).disableBodyParser) return undefined;
  const { headers } = req;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') return undefined;
  const type = headers['content-type'];
  const kind = type === undefined ? undefined : PLAIN_TEXT_TYPES.get(type.toLowerCase());
  const length = headers['content-length'];
  if (kind === undefined || length === undefined || !DIGITS.test(length)) return undefined;
  const limit = kind === 'xml' ? xmlLimit : textLimit;
  return limit !== null && Number(length) <= limit ? limit : undefined;
}

const bodyError = (status: number, message: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(message), { status, statusCode: status, expose: true, ...extra });

/**
 * Reads the whole body (Content-Length known and within `limit`) as UTF-8, with raw-body's checks
 * and errors. The listeners are methods of one object literal rather than named closures: under
 * tsx (esbuild keepNames) each named closure costs an Object.defineProperty per request.
 */
function readUtf8Body(req: IncomingMessage, limit: number): Promise<string> {
  const expected = Number(req.headers['content-length']);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const on = {
      cleanup(): void {
        req.off('aborted', on.aborted);
        req.off('close', on.cleanup);
        req.off('data', on.data);
        req.off('end', on.end);
        req.off('error', on.end);
      },
      fail(error: Error): void {
        on.cleanup();
        req.unpipe();
        req.pause();
        reject(error);
      },
      aborted(): void {
        on.fail(bodyError(400, 'request aborted', { code: 'ECONNABORTED', type: 'request.aborted' }));
      },
      data(chunk: Buffer): void {
        received += chunk.length;
        if (received > limit)
          on.fail(bodyError(413, 'request entity too large', { limit, type: 'entity.too.large' }));
        else chunks.push(chunk);
      },
      end(error?: Error): void {
        if (error) return on.fail(error);
        if (received !== expected)
          return on.fail(
            bodyError(400, 'request size did not match content length', { type: 'request.size.invalid' }),
          );
        on.cleanup();
        const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
        resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      },
    };
    req.on('aborted', on.aborted);
    req.on('close', on.cleanup);
    req.on('data', on.data);
    req.on('end', on.end);
    req.on('error', on.end);
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

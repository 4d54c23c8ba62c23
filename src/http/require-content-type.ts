import type { Middleware } from 'koa';
import { AppError } from '../core/errors.ts';

// `ctx.is('xml')` only knows application/xml; platforms send text/xml just as often.
const ALIASES: Record<string, readonly string[]> = {
  json: ['application/json', '+json'],
  xml: ['application/xml', 'text/xml', '+xml'],
  form: ['application/x-www-form-urlencoded'],
  text: ['text/plain'],
};

/**
 * Route guard: a request that has a body must declare one of `types` (`'json'`, `'xml'`, `'form'`,
 * `'text'` or full media types), else 415 `unsupported_media_type`. Bodiless requests pass; the
 * route's own validation decides about them.
 */
export function requireContentType(...types: string[]): Middleware {
  const accepted = types.flatMap((type) => ALIASES[type] ?? [type]);
  return async (ctx, next) => {
    if (ctx.request.length !== 0 && ctx.is(accepted) === false) {
      const sent = ctx.request.type === '' ? '(none)' : ctx.request.type.slice(0, 100);
      throw new AppError(
        'unsupported_media_type',
        `Content-Type must be one of ${accepted.join(', ')}; got ${sent}`,
        {
          details: { accepted },
        },
      );
    }
    await next();
  };
}

import type { Middleware } from 'koa';

/** `'*'` (the default: widget calls carry bearer tokens, never cookies) or a list of page origins. */
export type AllowedOrigins = '*' | readonly string[];

const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key, X-File-Name, Last-Event-ID';

/**
 * The widget runs on the agency's own sites and calls bangban from there, so the webchat API
 * answers cross-origin requests. No credentials are involved (the session token is a header or a
 * query parameter), which is why a wildcard is safe here and is not on the desk.
 */
export function webchatCors(allowed: AllowedOrigins): Middleware {
  return async (ctx, next) => {
    const origin = ctx.get('Origin');
    if (allowed === '*') ctx.set('Access-Control-Allow-Origin', '*');
    else {
      ctx.vary('Origin');
      if (origin && allowed.includes(origin)) ctx.set('Access-Control-Allow-Origin', origin);
    }
    ctx.set('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id');
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      ctx.set('Access-Control-Max-Age', '600');
      ctx.status = 204;
      return;
    }
    await next();
  };
}

/**
 * `GET /callbacks/wecom` (URL verification: the decrypted echostr within 1 s) and
 * `POST /callbacks/wecom` (verify → decrypt → parse → hand over → 200 with an empty body inside
 * WeCom's 5 s, doc 96466). Rejections are AppErrors, so the one error middleware answers 4xx JSON
 * with a code; nothing is stored for a rejected request.
 */
import { Router } from '@koa/router';
import { AppError } from '../../src/core/errors.ts';
import type { AppState } from '../../src/http/app-state.ts';
import { requireContentType } from '../../src/http/require-content-type.ts';
import type { Logger } from '../../src/logger.ts';
import type { Clock } from '../../src/ports.ts';
import { callbackFormat } from './json-callback.ts';
import { parseCallback, type WecomCallback } from './parse-callback.ts';
import { openCallback, verifyUrl, type CallbackSecrets, type Rejection } from './verify-callback.ts';

export const WECOM_CALLBACK_PATH = '/callbacks/wecom';

export interface WecomCallbackRouterOptions {
  secrets: CallbackSecrets;
  clock: Clock;
  /**
   * Stores or enqueues what the callback asks for; must finish well inside 5 s. `request.log` is
   * the request's child logger, made only if the handler logs.
   */
  onCallback(callback: WecomCallback, request: { readonly log: Logger }): Promise<void>;
}

export function createWecomCallbackRouter(options: WecomCallbackRouterOptions): Router<AppState> {
  const router = new Router<AppState>();

  router.get(WECOM_CALLBACK_PATH, (ctx) => {
    const verified = verifyUrl(ctx.query, options.secrets, options.clock.now());
    if (!verified.ok) throw toAppError(verified);
    // The bare plaintext: no quotes, BOM or newline.
    ctx.type = 'text/plain';
    ctx.body = verified.plaintext;
  });

  // XML (the default) or JSON callbacks, told apart by Content-Type, else by the body.
  router.post(WECOM_CALLBACK_PATH, requireContentType('xml', 'json', 'text'), async (ctx) => {
    const raw = (ctx.request as { rawBody?: unknown }).rawBody;
    if (typeof raw !== 'string' || raw === '')
      throw new AppError('bad_request', 'an XML or JSON body is required', {
        details: { reason: 'empty_body' },
      });
    const format = callbackFormat(ctx.request.type, raw);
    const opened = openCallback(ctx.query, raw, options.secrets, options.clock.now(), format);
    if (!opened.ok) throw toAppError(opened);
    const parsed = parseCallback(opened.plaintext);
    if (!parsed.ok) {
      throw new AppError('bad_request', `the decrypted message is not usable: ${parsed.reason}`, {
        details: { reason: 'malformed_message' },
      });
    }
    await options.onCallback(parsed.callback, ctx.state);
    // WeCom's documented "received, no passive reply": HTTP 200 with an empty body.
    ctx.status = 200;
    ctx.body = '';
  });

  return router;
}

function toAppError(rejection: Rejection): AppError {
  return new AppError(rejection.code, rejection.message, { details: { reason: rejection.reason } });
}

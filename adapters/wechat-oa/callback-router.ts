/**
 * `GET /callbacks/wechat-oa` (server verification: echostr unchanged) and `POST /callbacks/wechat-oa`
 * (verify → decrypt → parse → store → passive reply or `success` inside WeChat's 5 s, protocols
 * §6.1–6.4). Rejections are AppErrors, so the one error middleware answers 4xx JSON with a code;
 * nothing is stored for a rejected request.
 */
import { randomBytes } from 'node:crypto';
import { Router } from '@koa/router';
import { AppError } from '../../src/core/errors.ts';
import type { AppState } from '../../src/http/app-state.ts';
import { requireContentType } from '../../src/http/require-content-type.ts';
import type { Clock } from '../../src/ports.ts';
import { encryptedReply, encryptMessage, msgSignature } from '../wecom/crypto.ts';
import type { PushHandler } from './inbound-handler.ts';
import { parsePush } from './parse-message.ts';
import { passiveTextReply } from './render-message.ts';
import {
  openCallback,
  verifyUrl,
  type OaCallbackSecrets,
  type OaFormat,
  type OaRejection,
  type OpenedCallback,
} from './verify-callback.ts';

export const WECHAT_OA_CALLBACK_PATH = '/callbacks/wechat-oa';

export interface OaCallbackRouterOptions {
  secrets: OaCallbackSecrets;
  clock: Clock;
  onPush: PushHandler;
}

export function createOaCallbackRouter(options: OaCallbackRouterOptions): Router<AppState> {
  const router = new Router<AppState>();

  router.get(WECHAT_OA_CALLBACK_PATH, (ctx) => {
    const verified = verifyUrl(ctx.query, options.secrets, options.clock.now());
    if (!verified.ok) throw toAppError(verified);
    ctx.type = 'text/plain';
    ctx.body = verified.echostr;
  });

  router.post(WECHAT_OA_CALLBACK_PATH, requireContentType('xml', 'text', 'json'), async (ctx) => {
    const raw = (ctx.request as { rawBody?: unknown }).rawBody;
    if (typeof raw !== 'string' || raw === '')
      throw new AppError('bad_request', 'a body is required', { details: { reason: 'empty_body' } });
    const format: OaFormat = ctx.is('json', '+json') ? 'json' : 'xml';
    const opened = openCallback(ctx.query, raw, format, options.secrets, options.clock.now());
    if (!opened.ok) throw toAppError(opened);
    const parsed = parsePush(opened.plaintext, format);
    if (!parsed.ok) {
      throw new AppError('bad_request', `the message is not usable: ${parsed.reason}`, {
        details: { reason: 'malformed_message' },
      });
    }
    const { push } = parsed;
    const text = await options.onPush(push, ctx.state.log, () => !ctx.req.socket.destroyed);
    if (text === null) {
      // "Received, no reply": WeChat takes `success` unencrypted in every mode (protocols §6.4).
      ctx.type = 'text/plain';
      ctx.body = 'success';
      return;
    }
    const createTime = Math.floor(options.clock.now().getTime() / 1000);
    const plaintext = passiveTextReply({
      openId: push.openId,
      accountId: push.accountId,
      text,
      createTime,
      format,
    });
    ctx.type = format === 'json' ? 'application/json' : 'application/xml';
    ctx.body = opened.encrypted
      ? encryptReply(plaintext, format, opened, options.secrets, createTime)
      : plaintext;
  });

  return router;
}

/** The passive reply in the encrypted envelope, for the AppID (compatible and safe mode). */
function encryptReply(
  plaintext: string,
  format: OaFormat,
  opened: Extract<OpenedCallback, { ok: true }>,
  secrets: OaCallbackSecrets,
  createTime: number,
): string {
  const aes = secrets.aes!;
  const timestamp = String(createTime);
  const nonce = /^[A-Za-z0-9]{1,32}$/.test(opened.nonce) ? opened.nonce : randomBytes(8).toString('hex');
  if (format === 'xml')
    return encryptedReply({
      token: secrets.token,
      aes,
      receiveId: secrets.appId,
      plaintext,
      timestamp,
      nonce,
    });
  const encrypt = encryptMessage(aes, plaintext, secrets.appId);
  return JSON.stringify({
    Encrypt: encrypt,
    MsgSignature: msgSignature(secrets.token, timestamp, nonce, encrypt),
    TimeStamp: Number(timestamp),
    Nonce: nonce,
  });
}

function toAppError(rejection: OaRejection): AppError {
  return new AppError(rejection.code, rejection.message, { details: { reason: rejection.reason } });
}

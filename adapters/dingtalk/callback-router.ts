/**
 * `POST /callbacks/dingtalk`: the app robot's messages (protocols/dingtalk.md §3): verify the
 * `timestamp` + `sign` headers, validate the JSON, hand over (stored before the answer), 200.
 *
 * `POST /callbacks/dingtalk/events`: event subscription (§5): verify the SHA1 signature over the
 * sorted token/timestamp/nonce/encrypt, decrypt (ownerKey = appKey), and answer the encrypted
 * `success` for every event — the `check_url` test included — well inside DingTalk's 1.5 s.
 *
 * Rejections are AppErrors (4xx JSON with a code); nothing is stored for a rejected request.
 */
import { randomBytes } from 'node:crypto';
import { Router } from '@koa/router';
import { AppError } from '../../src/core/errors.ts';
import type { AppState } from '../../src/http/app-state.ts';
import { requireContentType } from '../../src/http/require-content-type.ts';
import type { Clock } from '../../src/ports.ts';
import {
  callbackSignature,
  CallbackCryptoError,
  decryptCallback,
  sameSignature,
  successReply,
  verifyInbound,
} from './crypto.ts';
import type { RobotMessageHandler } from './inbound-handler.ts';
import { parseRobotMessage } from './parse-robot-message.ts';

export const DINGTALK_CALLBACK_PATH = '/callbacks/dingtalk';
export const DINGTALK_EVENTS_PATH = '/callbacks/dingtalk/events';

export interface DingtalkRouterOptions {
  appKey: string;
  appSecret: string;
  maxClockSkewSeconds: number;
  /** Event subscription crypto; without it the events route answers 404. */
  callback?: { token: string; aesKey: Buffer };
  clock: Clock;
  onMessage: RobotMessageHandler;
  /** Event types seen (for logs/metrics); the answer never waits for more than logging. */
  onEvent?: (eventType: string, event: Record<string, unknown>) => void;
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
const queryOf = (value: unknown) =>
  typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;

export function createDingtalkRouter(options: DingtalkRouterOptions): Router<AppState> {
  const router = new Router<AppState>();

  router.post(DINGTALK_CALLBACK_PATH, requireContentType('json'), async (ctx) => {
    const check = verifyInbound(
      header(ctx.headers['timestamp']),
      header(ctx.headers['sign']),
      options.appSecret,
      options.clock.now().getTime(),
      options.maxClockSkewSeconds,
    );
    if (!check.ok) {
      if (check.reason === 'stale_timestamp')
        throw new AppError('stale_timestamp', 'the timestamp header is outside the allowed window', {
          details: { reason: 'stale_timestamp', maxSkewSeconds: options.maxClockSkewSeconds },
        });
      throw new AppError('invalid_signature', 'the timestamp and sign headers do not verify', {
        details: { reason: check.reason },
      });
    }
    const parsed = parseRobotMessage((ctx.request as { body?: unknown }).body);
    if (!parsed.ok)
      throw new AppError('bad_request', `not a DingTalk robot message: ${parsed.reason}`, {
        details: { reason: 'malformed_message' },
      });
    await options.onMessage(parsed.message, ctx.state.log);
    ctx.status = 200;
    ctx.body = '';
  });

  router.post(DINGTALK_EVENTS_PATH, requireContentType('json'), (ctx) => {
    const crypto = options.callback;
    if (!crypto)
      throw new AppError(
        'not_found',
        'DingTalk event callbacks are off (set DINGTALK_CALLBACK_TOKEN and DINGTALK_CALLBACK_AES_KEY)',
      );
    const signature = queryOf(ctx.query['msg_signature']) ?? queryOf(ctx.query['signature']);
    const timestamp = queryOf(ctx.query['timestamp']) ?? queryOf(ctx.query['timeStamp']);
    const nonce = queryOf(ctx.query['nonce']);
    const body = (ctx.request as { body?: unknown }).body;
    const encrypt =
      typeof body === 'object' && body !== null && typeof (body as { encrypt?: unknown }).encrypt === 'string'
        ? (body as { encrypt: string }).encrypt
        : undefined;
    if (!signature || !timestamp || !nonce || !encrypt)
      throw new AppError('bad_request', 'signature, timestamp, nonce and the encrypt field are required', {
        details: { reason: 'missing_fields' },
      });
    if (!/^\d{1,16}$/.test(timestamp) || nonce.length > 128 || encrypt.length > 200_000)
      throw new AppError('bad_request', 'malformed timestamp, nonce or encrypt', {
        details: { reason: 'malformed_fields' },
      });
    if (!sameSignature(callbackSignature(crypto.token, timestamp, nonce, encrypt), signature))
      throw new AppError('invalid_signature', 'the signature does not verify', {
        details: { reason: 'bad_signature' },
      });
    const now = options.clock.now().getTime();
    // DingTalk sends ms; accept seconds too.
    const ts = timestamp.length <= 10 ? Number(timestamp) * 1000 : Number(timestamp);
    if (options.maxClockSkewSeconds > 0 && Math.abs(now - ts) > options.maxClockSkewSeconds * 1000)
      throw new AppError('stale_timestamp', 'the timestamp is outside the allowed window', {
        details: { reason: 'stale_timestamp', maxSkewSeconds: options.maxClockSkewSeconds },
      });
    let plaintext: string;
    try {
      plaintext = decryptCallback(crypto.aesKey, encrypt, options.appKey).message;
    } catch (error) {
      const code = error instanceof CallbackCryptoError ? error.code : 900008;
      throw new AppError('bad_request', 'the encrypt field does not decrypt for this app', {
        details: { reason: 'decrypt_failed', code },
      });
    }
    let event: Record<string, unknown>;
    try {
      const value: unknown = JSON.parse(plaintext);
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new Error('not an object');
      event = value as Record<string, unknown>;
    } catch {
      throw new AppError('bad_request', 'the decrypted event is not a JSON object', {
        details: { reason: 'malformed_event' },
      });
    }
    const eventType = typeof event['EventType'] === 'string' ? event['EventType'] : 'unknown';
    ctx.state.log.info(
      { eventType },
      eventType === 'check_url' ? 'DingTalk callback URL check' : 'DingTalk event',
    );
    options.onEvent?.(eventType, event);
    ctx.status = 200;
    ctx.body = successReply(
      crypto.token,
      crypto.aesKey,
      options.appKey,
      String(now),
      randomBytes(8).toString('hex'),
    );
  });

  return router;
}

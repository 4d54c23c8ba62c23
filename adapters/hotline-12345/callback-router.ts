/**
 * `POST /callbacks/12345`: a status update from 12345 (签收 / 办理中 / 办结 / 退单 and its number).
 * Verified before anything else (HMAC as for our requests, constant-time, timestamp window),
 * mapped from the local field names, deduped by event id (or body hash), then applied.
 *
 * Answers: 200 `{ ok, result }` for applied, duplicate and ignored (an out-of-order status such
 * as `accepted` after `closed` is logged and answered 200 with `result: "ignored"`, so 12345 stops
 * retrying it; nothing changes); 400 bad JSON or fields; 401 bad signature or stale timestamp;
 * 404 `not_found` (details.reason `unknown_ticket`) for a ticket bangban never pushed.
 */
import { createHash } from 'node:crypto';
import { Router } from '@koa/router';
import type { Hotline12345Config } from '../../src/config/hotline-config.ts';
import { AppError } from '../../src/core/errors.ts';
import type { HotlineFlows } from '../../src/flows/hotline-types.ts';
import type { AppState } from '../../src/http/app-state.ts';
import { requireContentType } from '../../src/http/require-content-type.ts';
import type { Clock } from '../../src/ports.ts';
import { readCallback } from './field-map.ts';
import type { HotlineSettings } from './hotline-settings.ts';
import { verifySignedRequest } from './signing.ts';

export const HOTLINE_CALLBACK_PATH = '/callbacks/12345';

export function createHotlineCallbackRouter(options: {
  settings: HotlineSettings;
  config: Hotline12345Config;
  clock: Clock;
  hotline: HotlineFlows;
}): Router<AppState> {
  const router = new Router<AppState>();
  router.post(HOTLINE_CALLBACK_PATH, requireContentType('json'), async (ctx) => {
    const raw = (ctx.request as { rawBody?: unknown }).rawBody;
    if (typeof raw !== 'string' || raw === '')
      throw new AppError('bad_request', 'a JSON body is required', { details: { reason: 'empty_body' } });
    const verified = verifySignedRequest({
      headers: ctx.headers,
      body: raw,
      appId: options.settings.appId,
      secret: options.settings.secret,
      now: options.clock.now(),
      windowSeconds: options.config.signatureWindowSeconds,
    });
    if (!verified.ok) {
      ctx.state.log.warn({ reason: verified.reason }, '12345 callback rejected');
      throw new AppError(verified.code, verified.message, { details: { reason: verified.reason } });
    }
    const mapped = readCallback((ctx.request as { body?: unknown }).body, options.config);
    if (!mapped.ok) {
      throw new AppError('validation_failed', `${mapped.field}: ${mapped.message}`, {
        details: { field: mapped.field },
      });
    }
    const { eventId, ...update } = mapped.callback;
    const dedupeKey = eventId
      ? `callback:${eventId}`
      : `callback-sha256:${createHash('sha256').update(raw).digest('hex')}`;
    const result = await options.hotline.applyStatus({ ...update, dedupeKey });
    if (!result.ok) {
      throw new AppError('not_found', `unknown ticket ${update.agencyTicketNo}`, {
        details: { reason: 'unknown_ticket' },
      });
    }
    ctx.state.log.info(
      { ticketNo: update.agencyTicketNo, status: update.status, result: result.result },
      '12345 status callback',
    );
    ctx.status = 200;
    ctx.body =
      result.result === 'ignored'
        ? { ok: true, result: 'ignored', reason: result.reason, current: result.current }
        : { ok: true, result: result.result };
  });
  return router;
}

import { randomUUID } from 'node:crypto';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../src/core/errors.ts';
import type { InboundMessage } from '../../src/core/inbound.ts';
import { sendMedia } from '../../src/desk/media-response.ts';
import { parseCursor } from '../../src/desk/message-cursor.ts';
import { createRateLimiter, type RateLimiter } from '../../src/desk/rate-limiter.ts';
import { sendWebFile } from '../../src/desk/static-files.ts';
import type { Flows } from '../../src/flows/types.ts';
import type { AppState } from '../../src/http/app-state.ts';
import { requireContentType } from '../../src/http/require-content-type.ts';
import type { Logger } from '../../src/logger.ts';
import type { Clock, MediaStore as SharedMediaStore } from '../../src/ports.ts';
import type { Database } from '../../src/storage/database.ts';
import { webchatCors, type AllowedOrigins } from './cors.ts';
import { IMAGE_TYPES, readRawBody, sharedMediaId, sniffImageType, type MediaStore } from './media-store.ts';
import { inboundMessageId, sessionHasMedia, sessionMessages, toWidgetMessage } from './session-messages.ts';
import { openSessionStream } from './session-stream.ts';
import type { WebchatHub } from './webchat-hub.ts';
import { authenticateSession, createWebchatSession, SessionCache, touchSession } from './webchat-sessions.ts';

export interface WebchatLimits {
  /** Longest citizen message, in characters (default 2000). */
  textMaxChars: number;
  /** Messages and uploads per session per minute (default 20). */
  messagesPerMinute: number;
  /** New sessions per client address per minute (default 30). */
  sessionsPerMinutePerIp: number;
  /** Largest image upload in bytes (default 5 MB). */
  uploadMaxBytes: number;
  /** SSE comment (and database re-read) interval (default 15 s). */
  heartbeatMs: number;
  /** Messages a new stream or an `after`-less poll starts with (default 100). */
  historyLimit: number;
}

export const DEFAULT_WEBCHAT_LIMITS: WebchatLimits = {
  textMaxChars: 2000,
  messagesPerMinute: 20,
  sessionsPerMinutePerIp: 30,
  uploadMaxBytes: 5 * 1024 * 1024,
  heartbeatMs: 15_000,
  historyLimit: 100,
};

export interface WebchatRouterOptions {
  database: Pick<Database, 'db'>;
  flows: Flows;
  clock: Clock;
  logger: Logger;
  hub: WebchatHub;
  media: MediaStore;
  /** The shared store of `media:<id>` refs (a helper's image from WeCom …); without it they are not served. */
  sharedMedia?: Pick<SharedMediaStore, 'get'>;
  limits?: Partial<WebchatLimits>;
  /** Pages allowed to call the API from a browser (default '*'). */
  allowedOrigins?: AllowedOrigins;
  /** Known service item ids; when given, `item` values outside it are refused. */
  itemIds?: readonly string[];
}

const ITEM_ID = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, { error: 'expected a service item id' });
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,100}$/;

/** The "小申" widget's public API under /webchat (see src/http/openapi.ts) and its script and style. */
export function createWebchatRouter(options: WebchatRouterOptions): Router<AppState> {
  const limits = { ...DEFAULT_WEBCHAT_LIMITS, ...options.limits };
  const { db } = options.database;
  const { flows, clock, hub } = options;
  const perSession = createRateLimiter({ limit: limits.messagesPerMinute, windowMs: 60_000, clock });
  const perIp = createRateLimiter({ limit: limits.sessionsPerMinutePerIp, windowMs: 60_000, clock });
  const itemBody = z.object({ item: itemSchema(options.itemIds).optional() });
  const textBody = z.object({ text: z.string({ error: 'expected text' }) });
  const sessions = new SessionCache();

  const api = new Router<AppState>();
  api.use(webchatCors(options.allowedOrigins ?? '*'));
  api.get('/webchat/widget.js', (ctx) => sendWebFile(ctx, 'widget.js'));
  api.get('/webchat/widget.css', (ctx) => sendWebFile(ctx, 'widget.css'));
  api.options(
    [
      '/webchat/sessions',
      '/webchat/sessions/:id/:action',
      '/webchat/sessions/:id/media/:file',
      '/webchat/sessions/:id/shared-media/:mediaId',
    ],
    () => {},
  );

  const enter = async (sessionId: string, item: string): Promise<void> => {
    // The page the widget sits on names its service item. `item:<id>` is the key the flows' item
    // menu uses, so the bot treats it as the citizen choosing that item.
    await flows.handleInbound(
      inbound(sessionId, `enter:${randomUUID()}`, {
        kind: 'event',
        event: 'enter_session',
        key: `item:${item}`,
      }),
    );
    await hub.publish(sessionId, {});
  };

  api.post('/webchat/sessions', requireContentType('json'), async (ctx) => {
    const { item } = itemBody.parse(ctx.request.body ?? {});
    limit(ctx, perIp, `ip:${ctx.ip}`, 'Too many new chat sessions from this address');
    const session = await createWebchatSession(db, clock.now(), sessions);
    if (item) await enter(session.sessionId, item);
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = session;
  });

  api.post('/webchat/sessions/:id/enter', requireContentType('json'), async (ctx) => {
    const sessionId = await authenticateSession(ctx, db, { allowQueryToken: false, cache: sessions });
    const { item } = itemBody.parse(ctx.request.body ?? {});
    if (item) {
      limit(ctx, perSession, sessionId, 'Too many messages; wait a moment');
      await enter(sessionId, item);
    }
    ctx.status = 204;
  });

  api.post('/webchat/sessions/:id/messages', requireContentType('json'), async (ctx) => {
    const sessionId = await authenticateSession(ctx, db, { allowQueryToken: false, cache: sessions });
    const text = checkText(textBody.parse(ctx.request.body).text, limits.textMaxChars);
    const externalId = `${sessionId}:${idempotencyKey(ctx)}`;
    limit(ctx, perSession, sessionId, 'Too many messages; wait a moment');
    const result = await flows.handleInbound(inbound(sessionId, externalId, { kind: 'text', text }));
    await afterInbound(sessionId);
    ctx.status = 201;
    ctx.body = { messageId: await inboundMessageId(db, sessionId, externalId), duplicate: result.duplicate };
  });

  api.post('/webchat/sessions/:id/uploads', async (ctx) => {
    const sessionId = await authenticateSession(ctx, db, { allowQueryToken: false, cache: sessions });
    const declared = ctx.request.type;
    if (!(declared in IMAGE_TYPES)) {
      throw new AppError('unsupported_media_type', 'Only PNG, JPEG, GIF or WebP images can be uploaded', {
        details: { accepted: Object.keys(IMAGE_TYPES) },
      });
    }
    const externalId = `${sessionId}:${idempotencyKey(ctx)}`;
    limit(ctx, perSession, sessionId, 'Too many messages; wait a moment');
    const bytes = await readRawBody(ctx.req, limits.uploadMaxBytes).catch((error: unknown) => {
      // Do not read the rest of an oversized upload: answer and close the connection.
      ctx.set('Connection', 'close');
      throw error;
    });
    if (bytes.length === 0) throw new AppError('bad_request', 'The upload is empty');
    const type = sniffImageType(bytes);
    if (!type) throw new AppError('unsupported_media_type', 'The file is not a PNG, JPEG, GIF or WebP image');
    const mediaRef = await options.media.save(sessionId, bytes, type);
    const fileName = uploadFileName(ctx.get('X-File-Name'));
    const result = await flows.handleInbound(
      inbound(sessionId, externalId, { kind: 'image', mediaRef, ...(fileName ? { fileName } : {}) }),
    );
    await afterInbound(sessionId);
    ctx.status = 201;
    ctx.body = {
      messageId: await inboundMessageId(db, sessionId, externalId),
      duplicate: result.duplicate,
      mediaUrl: `/webchat/sessions/${sessionId}/media/${mediaRef.split('/').pop()}`,
    };
  });

  api.get('/webchat/sessions/:id/messages', async (ctx) => {
    const sessionId = await authenticateSession(ctx, db, { allowQueryToken: true, cache: sessions });
    const afterId = parseCursor(ctx.query['after'], 'after');
    const rows = await sessionMessages(
      db,
      sessionId,
      afterId === undefined ? { limit: limits.historyLimit } : { afterId, limit: 200 },
    );
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { messages: rows.map((row) => toWidgetMessage(row, sessionId, hub.choicesFor)) };
  });

  api.get('/webchat/sessions/:id/events', async (ctx) => {
    const sessionId = await authenticateSession(ctx, db, { allowQueryToken: true, cache: sessions });
    const resumeFrom = parseCursor(
      ctx.get('Last-Event-ID') || ctx.query['lastEventId'] || ctx.query['after'],
      'Last-Event-ID',
    );
    openSessionStream(ctx, {
      db,
      hub,
      sessionId,
      resumeFrom,
      heartbeatMs: limits.heartbeatMs,
      historyLimit: limits.historyLimit,
    });
  });

  api.get('/webchat/sessions/:id/media/:file', async (ctx) => {
    const sessionId = await authenticateSession(ctx, db, { allowQueryToken: true, cache: sessions });
    const file = await options.media.open(`webchat-upload:${sessionId}/${ctx.params['file'] ?? ''}`);
    if (!file) throw new AppError('not_found', 'No such image');
    sendMedia(ctx, file);
  });

  // Media a helper sent this session (a WeCom image …): only refs in the session's own messages.
  api.get('/webchat/sessions/:id/shared-media/:mediaId', async (ctx) => {
    const sessionId = await authenticateSession(ctx, db, { allowQueryToken: true, cache: sessions });
    const ref = `media:${ctx.params['mediaId'] ?? ''}`;
    const stored =
      options.sharedMedia && sharedMediaId(ref) && (await sessionHasMedia(db, sessionId, ref))
        ? await options.sharedMedia.get(ref)
        : null;
    if (!stored) throw new AppError('not_found', 'No such media file');
    sendMedia(ctx, {
      contentType: stored.contentType,
      body: stored.bytes,
      ...(stored.fileName ? { fileName: stored.fileName } : {}),
    });
  });

  async function afterInbound(sessionId: string): Promise<void> {
    await touchSession(db, sessionId, clock.now(), sessions);
    await hub.publish(sessionId, {});
  }

  function inbound(
    sessionId: string,
    externalId: string,
    content:
      | { kind: 'text'; text: string }
      | { kind: 'image'; mediaRef: string; fileName?: string }
      | { kind: 'event'; event: 'enter_session'; key: string },
  ): InboundMessage {
    return {
      channel: 'webchat',
      externalId,
      channelUserId: sessionId,
      senderRole: 'citizen',
      sentAt: clock.now(),
      ...content,
    };
  }

  return api;
}

function itemSchema(itemIds: readonly string[] | undefined) {
  if (!itemIds) return ITEM_ID;
  return ITEM_ID.refine((id) => itemIds.includes(id), {
    error: `unknown service item; expected one of ${itemIds.join(', ')}`,
  });
}

/** Trimmed text within the limit; empty → 400, too long → 413 (both name the field). */
function checkText(raw: string, maxChars: number): string {
  const text = raw.trim();
  if (text === '')
    throw new AppError('validation_failed', 'Invalid request: text: must not be empty', {
      details: { field: 'text' },
    });
  const length = [...text].length;
  if (length > maxChars) {
    throw new AppError('payload_too_large', `text is ${length} characters; the limit is ${maxChars}`, {
      details: { field: 'text', limit: maxChars },
    });
  }
  return text;
}

/** The client's `Idempotency-Key` (a retried POST is then stored once), or a fresh id. */
function idempotencyKey(ctx: Context): string {
  const key = ctx.get('Idempotency-Key');
  if (key === '') return randomUUID();
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new AppError('bad_request', 'Idempotency-Key must be 1–100 letters, digits or . _ : -', {
      details: { field: 'Idempotency-Key' },
    });
  }
  return key;
}

function limit(ctx: Context, limiter: RateLimiter, key: string, message: string): void {
  const decision = limiter.consume(key);
  if (decision.allowed) return;
  ctx.set('Retry-After', String(decision.retryAfterSeconds));
  throw new AppError('rate_limited', `${message} (retry in ${decision.retryAfterSeconds} s)`, {
    details: { retryAfterSeconds: decision.retryAfterSeconds },
  });
}

/** The original file name the widget sends percent-encoded; only for display, so anything odd is dropped. */
function uploadFileName(header: string): string | undefined {
  if (header === '') return undefined;
  let name: string;
  try {
    name = decodeURIComponent(header);
  } catch {
    return undefined;
  }
  // Control characters and path separators are exactly what is removed.
  // eslint-disable-next-line no-control-regex
  const unsafe = /[\u0000-\u001f\u007f/\\]/g;
  name = name.replace(unsafe, '').trim().slice(0, 200);
  return name === '' ? undefined : name;
}

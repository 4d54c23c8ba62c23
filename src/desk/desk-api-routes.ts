import type { Router } from '@koa/router';
import { z } from 'zod';
import { AppError } from '../core/errors.ts';
import { storableText } from '../core/storable-text.ts';
import type { Flows, MessageView } from '../flows/types.ts';
import { requireContentType } from '../http/require-content-type.ts';
import type { Clock, ConversationSummary } from '../ports.ts';
import type { Db } from '../storage/database.ts';
import type { DeskAuth } from './desk-auth.ts';
import type { DeskHub } from './desk-hub.ts';
import { DESK_ROLES, hasAnyRole } from './desk-roles.ts';
import type { DeskState } from './desk-state.ts';
import { claimError, staffInputError } from './flow-result-error.ts';
import { publicStaff } from './desk-login-routes.ts';
import { sendMedia, type MediaResolver } from './media-response.ts';
import { parseCursor } from './message-cursor.ts';
import { openSseStream } from './sse-stream.ts';
import { listActiveStaff, type DeskStaff } from './staff-directory.ts';
import { requireRole, requireStaff } from './require-staff.ts';

export interface DeskApiOptions {
  db: Db;
  flows: Flows;
  auth: DeskAuth;
  hub: DeskHub;
  clock: Clock;
  /** Finds the file behind a media reference; without it media messages show no picture. */
  resolveMedia?: MediaResolver;
  textMaxChars: number;
  heartbeatMs: number;
}

const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,100}$/;
const textBody = (max: number) =>
  z.object({
    text: z
      .string()
      // Stored as typed, less what PostgreSQL cannot hold (a NUL, an unpaired surrogate).
      .overwrite(storableText)
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(max, { error: `must be at most ${max} characters` }),
  });

/** The JSON API under /api/desk (every route authenticated; roles per DESK_ROLES). */
export function addDeskApiRoutes(router: Router<DeskState>, options: DeskApiOptions): void {
  const { flows, clock } = options;
  const staffOnly = requireStaff(options.auth);
  const replyBody = textBody(options.textMaxChars);
  const commandBody = replyBody.extend({ conversationId: z.string().regex(CONVERSATION_ID).optional() });

  router.get('/api/desk/me', staffOnly, (ctx) => {
    const { roles } = ctx.state.staff;
    ctx.body = {
      staff: publicStaff(ctx.state.staff),
      can: Object.fromEntries(
        Object.entries(DESK_ROLES).map(([what, allowed]) => [what, hasAnyRole(roles, allowed)]),
      ),
      now: clock.now().toISOString(),
    };
  });

  router.get('/api/desk/staff', staffOnly, requireRole(...DESK_ROLES.act), async (ctx) => {
    const staff = await listActiveStaff(options.db);
    ctx.body = { staff: staff.map(publicStaff) };
  });

  router.get('/api/desk/conversations', staffOnly, requireRole(...DESK_ROLES.read), async (ctx) => {
    const all = ctx.query['all'] === '1' || ctx.query['all'] === 'true';
    if (all && !hasAnyRole(ctx.state.staff.roles, DESK_ROLES.viewAll)) {
      throw new AppError(
        'forbidden',
        `Seeing all conversations needs one of the roles: ${DESK_ROLES.viewAll.join(', ')}`,
      );
    }
    const conversations = await flows.listOpen(all ? { all: true } : { staffId: ctx.state.staff.id });
    ctx.body = { conversations, now: clock.now().toISOString() };
  });

  router.get('/api/desk/conversations/:id', staffOnly, requireRole(...DESK_ROLES.read), async (ctx) => {
    const conversation = await visibleConversation(flows, ctx.state.staff, ctx.params['id']);
    const messages = await flows.transcript(conversation.id, { limit: 500 });
    ctx.body = { conversation, messages: messages.map(deskMessage), now: clock.now().toISOString() };
  });

  router.get(
    '/api/desk/conversations/:id/messages',
    staffOnly,
    requireRole(...DESK_ROLES.read),
    async (ctx) => {
      const conversation = await visibleConversation(flows, ctx.state.staff, ctx.params['id']);
      const afterId = parseCursor(ctx.query['after'], 'after');
      const messages = await flows.transcript(conversation.id, { afterId, limit: 200 });
      ctx.body = { messages: messages.map(deskMessage) };
    },
  );

  router.post(
    '/api/desk/conversations/:id/claim',
    staffOnly,
    requireRole(...DESK_ROLES.claim),
    async (ctx) => {
      const id = conversationId(ctx.params['id']);
      const result = await flows.claim(ctx.state.staff.id, id);
      if (!result.ok) throw claimError(result.reason);
      ctx.body = { conversation: result.conversation };
    },
  );

  router.post(
    '/api/desk/conversations/:id/messages',
    staffOnly,
    requireRole(...DESK_ROLES.act),
    requireContentType('json'),
    async (ctx) => {
      const id = conversationId(ctx.params['id']);
      const { text } = replyBody.parse(ctx.request.body);
      const result = await flows.staffInput({ staffId: ctx.state.staff.id, text, conversationId: id });
      if (!result.ok) throw staffInputError(result);
      ctx.status = 201;
      ctx.body = { action: result.action, conversationId: result.conversationId ?? id };
    },
  );

  router.post(
    '/api/desk/commands',
    staffOnly,
    requireRole(...DESK_ROLES.act),
    requireContentType('json'),
    async (ctx) => {
      const { text, conversationId: id } = commandBody.parse(ctx.request.body);
      const result = await flows.staffInput({
        staffId: ctx.state.staff.id,
        text,
        ...(id ? { conversationId: id } : {}),
      });
      if (!result.ok) throw staffInputError(result);
      ctx.body = { action: result.action, conversationId: result.conversationId ?? id ?? null };
    },
  );

  router.get('/api/desk/events', staffOnly, requireRole(...DESK_ROLES.read), (ctx) => {
    const staffId = ctx.state.staff.id;
    let counter = 0;
    let untrack = (): void => {};
    let unsubscribe = (): void => {};
    const stream = openSseStream(ctx, {
      heartbeatMs: options.heartbeatMs,
      onClose: () => {
        unsubscribe();
        untrack();
      },
    });
    untrack = options.hub.track(stream);
    unsubscribe = options.hub.subscribe(staffId, (event) => {
      counter += 1;
      stream.send({ id: counter, event: 'notification', data: event });
    });
    stream.send({ event: 'hello', data: { staffId, now: clock.now().toISOString() } });
  });

  router.get('/api/desk/media', staffOnly, requireRole(...DESK_ROLES.read), async (ctx) => {
    const ref = typeof ctx.query['ref'] === 'string' ? ctx.query['ref'] : '';
    const file = ref && options.resolveMedia ? await options.resolveMedia(ref) : null;
    if (!file) throw new AppError('not_found', 'No such media file');
    sendMedia(ctx, file);
  });
}

function conversationId(raw: string | undefined): string {
  if (raw === undefined || !CONVERSATION_ID.test(raw))
    throw new AppError('not_found', 'No such conversation');
  return raw;
}

/**
 * A conversation the staff member may look at: theirs, one they could claim, or any for the
 * roles in DESK_ROLES.viewAny; anything else is 403.
 */
async function visibleConversation(
  flows: Flows,
  staff: DeskStaff,
  raw: string | undefined,
): Promise<ConversationSummary> {
  const id = conversationId(raw);
  const conversation = await flows.getConversation(id);
  if (!conversation) throw new AppError('not_found', 'No such conversation');
  if (hasAnyRole(staff.roles, DESK_ROLES.viewAny) || conversation.assigneeId === staff.id)
    return conversation;
  const mine = await flows.listOpen({ staffId: staff.id });
  if (mine.some((c) => c.id === id)) return conversation;
  throw new AppError('forbidden', 'This conversation is neither yours nor waiting for you');
}

/** Media references become a desk URL the browser can load with the session cookie. */
function deskMessage(message: MessageView): MessageView & { mediaUrl: string | null } {
  const mediaUrl = message.mediaRef ? `/api/desk/media?ref=${encodeURIComponent(message.mediaRef)}` : null;
  return { ...message, mediaUrl };
}

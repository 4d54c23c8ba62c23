import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationSummary } from '../../src/ports.ts';
import { messages } from '../../src/storage/schema/conversations.ts';
import { backends, useTestDatabase } from '../helpers/db.ts';
import { openSse } from './sse-client.ts';
import { errorOf, startDesk, type DeskHarness } from './desk-harness.ts';

describe.each(backends)('desk API on %s', (backend) => {
  const test = useTestDatabase(backend);
  let h: DeskHarness;
  beforeAll(async () => {
    h = await startDesk(test.database, {
      resolveMedia: async (ref) =>
        ref === 'webchat-upload:x/y.png' ? { contentType: 'image/png', body: Buffer.from('PNGDATA') } : null,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  describe('queue', () => {
    it('shows a helper their own and the waiting conversations, with SLA deadlines and the server time', async () => {
      const mine = await h.assignedConversation('r-helper');
      const waiting = await h.queuedConversation();
      const others = await h.assignedConversation('helper-2');
      const res = await h.api('r-helper', '/api/desk/conversations');
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        conversations: (ConversationSummary & { slaDueAt: string })[];
        now: string;
      };
      const ids = body.conversations.map((c) => c.id);
      expect(ids).toEqual(expect.arrayContaining([mine, waiting]));
      expect(ids).not.toContain(others);
      expect(body.now).toBe(h.clock.now().toISOString());
      expect(body.conversations.find((c) => c.id === mine)?.slaDueAt).toBe(
        new Date(h.clock.now().getTime() + 60_000).toISOString(),
      );
    });

    it('shows a supervisor every open conversation with ?all=1, and refuses that to a helper', async () => {
      const others = await h.assignedConversation('helper-2');
      const all = (await (await h.api('r-supervisor', '/api/desk/conversations?all=1')).json()) as {
        conversations: { id: string }[];
      };
      expect(all.conversations.map((c) => c.id)).toContain(others);
      const refused = await h.api('r-helper', '/api/desk/conversations?all=1');
      expect(refused.status).toBe(403);
      expect((await errorOf(refused)).code).toBe('forbidden');
    });
  });

  describe('conversation view', () => {
    it('returns the conversation and its transcript, with desk URLs for media', async () => {
      const id = await h.assignedConversation('r-helper');
      await test.database.db.insert(messages).values({
        conversationId: id,
        direction: 'in',
        senderKind: 'citizen',
        kind: 'image',
        body: '[图片]',
        mediaRef: 'webchat-upload:x/y.png',
      });
      const res = await h.api('r-helper', `/api/desk/conversations/${id}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        conversation: { id: string };
        messages: { body: string; mediaUrl: string }[];
      };
      expect(body.conversation.id).toBe(id);
      expect(body.messages).toEqual([
        expect.objectContaining({
          body: '[图片]',
          mediaUrl: '/api/desk/media?ref=webchat-upload%3Ax%2Fy.png',
        }),
      ]);
      const media = await h.api('r-helper', body.messages[0]!.mediaUrl);
      expect(media.headers.get('content-type')).toBe('image/png');
      expect(await media.text()).toBe('PNGDATA');
      expect((await h.api('r-helper', '/api/desk/media?ref=webchat-upload:x/none.png')).status).toBe(404);
    });

    it('refuses another helper’s conversation with 403 and an unknown one with 404', async () => {
      const theirs = await h.assignedConversation('helper-2');
      expect((await h.api('r-helper', `/api/desk/conversations/${theirs}`)).status).toBe(403);
      expect((await h.api('r-helper', '/api/desk/conversations/no-such-id')).status).toBe(404);
      expect((await h.api('r-helper', '/api/desk/conversations/bad%20id!')).status).toBe(404);
    });
  });

  describe('claim', () => {
    it('gives a waiting conversation to exactly one of two helpers clicking at once', async () => {
      const id = await h.queuedConversation();
      const [a, b] = await Promise.all([
        h.api('r-helper', `/api/desk/conversations/${id}/claim`, { method: 'POST' }),
        h.api('helper-2', `/api/desk/conversations/${id}/claim`, { method: 'POST' }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const loser = a.status === 409 ? a : b;
      expect(await errorOf(loser)).toMatchObject({
        code: 'conflict',
        details: { reason: 'already_claimed' },
      });
    });

    it.each([
      ['not_found', 404, 'not_found'],
      ['already_claimed', 409, 'conflict'],
      ['closed', 409, 'conflict'],
      ['not_on_duty', 403, 'forbidden'],
      ['at_capacity', 409, 'conflict'],
      ['not_waiting', 409, 'conflict'],
    ] as const)('maps %s to %i %s', async (reason, status, code) => {
      h.flows.nextClaim = { ok: false, reason };
      const res = await h.api('r-helper', `/api/desk/conversations/${await h.queuedConversation()}/claim`, {
        method: 'POST',
      });
      expect(res.status).toBe(status);
      expect(await errorOf(res)).toMatchObject({ code, details: { reason } });
    });
  });

  describe('replies and commands', () => {
    it('relays a reply to the owner’s conversation through staffInput', async () => {
      const id = await h.assignedConversation('r-helper');
      const res = await h.api('r-helper', `/api/desk/conversations/${id}/messages`, {
        method: 'POST',
        body: { text: '您好，请提供营业执照' },
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ action: 'reply', conversationId: id });
      expect(h.flows.staffInputs.at(-1)).toEqual({
        staffId: 'r-helper',
        text: '您好，请提供营业执照',
        conversationId: id,
      });
      const transcript = await h.flows.transcript(id);
      expect(transcript.map((m) => [m.senderKind, m.staffId, m.body])).toEqual([
        ['staff', 'r-helper', '您好，请提供营业执照'],
      ]);
    });

    it('relays a reply without what PostgreSQL cannot store (a NUL, an unpaired surrogate)', async () => {
      const id = await h.assignedConversation('r-helper');
      const res = await h.api('r-helper', `/api/desk/conversations/${id}/messages`, {
        method: 'POST',
        body: { text: '请提供\u0000营业执照\udc00' },
      });
      expect(res.status).toBe(201);
      expect(h.flows.staffInputs.at(-1)?.text).toBe('请提供营业执照\ufffd');
    });

    it('refuses a reply to a conversation the helper does not own (403) and changes nothing', async () => {
      const theirs = await h.assignedConversation('helper-2');
      const res = await h.api('r-helper', `/api/desk/conversations/${theirs}/messages`, {
        method: 'POST',
        body: { text: '抢答' },
      });
      expect(res.status).toBe(403);
      expect(await errorOf(res)).toMatchObject({
        code: 'forbidden',
        message: '这不是你的会话',
        details: { reason: 'not_owner' },
      });
      expect(await h.flows.transcript(theirs)).toEqual([]);
    });

    it.each([
      [{ text: '' }, 400],
      [{ text: '   ' }, 400],
      [{ text: '\u0000 \u0000' }, 400],
      [{ words: 'x' }, 400],
      [{ text: '字'.repeat(4001) }, 400],
    ])('refuses a reply body %j with %i', async (body, status) => {
      const id = await h.assignedConversation('r-helper');
      const res = await h.api('r-helper', `/api/desk/conversations/${id}/messages`, { method: 'POST', body });
      expect(res.status).toBe(status);
      expect((await errorOf(res)).code).toBe('validation_failed');
    });

    it.each([
      [{ ok: false, reason: 'usage', message: '用法：/12345 <原因>' }, 400, 'bad_request'],
      [
        { ok: false, reason: 'unknown_staff', message: '没有工号为 zhang-san 的工作人员' },
        400,
        'bad_request',
      ],
      [{ ok: false, reason: 'staff_off_duty', message: '李娜 现在不在班' }, 409, 'conflict'],
      [
        { ok: false, reason: 'no_current_conversation', message: '没有当前会话；先 /switch' },
        400,
        'bad_request',
      ],
      [{ ok: false, reason: 'not_found', message: '没有会话 #ZZZZ' }, 404, 'not_found'],
      [{ ok: false, reason: 'transition_not_allowed', message: '会话已结束' }, 409, 'conflict'],
    ] as const)('maps the command result %j to %i with the flow’s message', async (result, status, code) => {
      h.flows.nextStaffInput = result;
      const res = await h.api('r-helper', '/api/desk/commands', { method: 'POST', body: { text: '/12345' } });
      expect(res.status).toBe(status);
      expect(await errorOf(res)).toMatchObject({
        code,
        message: result.message,
        details: { reason: result.reason },
      });
    });

    it('passes a command with its conversation to staffInput and returns the action', async () => {
      const id = await h.assignedConversation('r-helper');
      h.flows.nextStaffInput = { ok: true, action: 'resolve', conversationId: id };
      const res = await h.api('r-helper', '/api/desk/commands', {
        method: 'POST',
        body: { text: '/resolve', conversationId: id },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ action: 'resolve', conversationId: id });
      expect(h.flows.staffInputs.at(-1)).toEqual({
        staffId: 'r-helper',
        text: '/resolve',
        conversationId: id,
      });
    });

    it('lists active staff for the transfer picker, without inactive ones', async () => {
      const { staff } = (await (await h.api('r-helper', '/api/desk/staff')).json()) as {
        staff: { id: string; name: string }[];
      };
      expect(staff.map((s) => s.id)).toContain('helper-2');
      expect(staff.map((s) => s.id)).not.toContain('gone');
    });
  });

  describe('live events', () => {
    it('pushes a notification to that staff member’s desk streams only', async () => {
      const token = await h.sessionFor('r-helper');
      const other = await h.sessionFor('helper-2');
      const mine = await openSse(`${h.t.url}/api/desk/events`, { Authorization: `Bearer ${token}` });
      const theirs = await openSse(`${h.t.url}/api/desk/events`, { Authorization: `Bearer ${other}` });
      await mine.next((e) => e.event === 'hello');
      await theirs.next((e) => e.event === 'hello');
      await h.gateway.notifyStaff('r-helper', { type: 'info', text: '已转派给李娜' });
      const event = await mine.next((e) => e.event === 'notification');
      expect(event.data).toEqual({ type: 'info', text: '已转派给李娜' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(theirs.events.filter((e) => e.event === 'notification')).toEqual([]);
      mine.close();
      theirs.close();
    });
  });
});

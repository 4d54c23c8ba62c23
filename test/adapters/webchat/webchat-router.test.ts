import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webchatSessions } from '../../../src/storage/schema/access.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { startWebchat, TINY_PNG, type WebchatHarness } from './webchat-harness.ts';

describe.each(backends)('webchat API on %s', (backend) => {
  const test = useTestDatabase(backend);
  let h: WebchatHarness;
  beforeAll(async () => {
    h = await startWebchat(test.database, {
      limits: { uploadMaxBytes: 64 * 1024, messagesPerMinute: 20 },
      botReply: (text) =>
        text.includes('许可')
          ? {
              kind: 'text',
              text: '请问您办理哪个事项？',
              choices: [
                { key: '1', label: '药品生产' },
                { key: '2', label: '化妆品' },
              ],
            }
          : null,
      itemIds: ['device-registration'],
    });
  });
  afterAll(async () => {
    await h.close();
  });

  describe('sessions', () => {
    it('creates a session and stores only the SHA-256 of its token', async () => {
      const res = await fetch(`${h.t.url}/webchat/sessions`, { method: 'POST' });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { sessionId: string; token: string };
      expect(body.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(body.token, 'base64url')).toHaveLength(32);
      const [row] = await test.database.db
        .select()
        .from(webchatSessions)
        .where(eq(webchatSessions.id, body.sessionId));
      expect(row?.tokenHash).toBe(createHash('sha256').update(body.token).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(body.token);
    });

    it('passes the page’s service item to the flows as an enter_session event', async () => {
      const { sessionId } = await h.newSession({ item: 'device-registration' });
      const event = h.flows.received.find((m) => m.channelUserId === sessionId);
      expect(event).toMatchObject({
        channel: 'webchat',
        kind: 'event',
        event: 'enter_session',
        key: 'item:device-registration',
        senderRole: 'citizen',
      });
    });

    it('refuses an unknown service item with the field named', async () => {
      const res = await fetch(`${h.t.url}/webchat/sessions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ item: 'no-such-item' }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.message).toContain('item');
    });
  });

  describe('messages', () => {
    it('hands a text to the flows as one InboundMessage and answers 201 with the stored message id', async () => {
      const { sessionId, token } = await h.newSession();
      const res = await h.post(sessionId, token, { text: '  你好，请问器械注册要多久？ ' });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { messageId: number; duplicate: boolean };
      expect(body).toEqual({ messageId: expect.any(Number), duplicate: false });
      const inbound = h.flows.received.filter((m) => m.channelUserId === sessionId);
      expect(inbound).toEqual([
        expect.objectContaining({
          channel: 'webchat',
          channelUserId: sessionId,
          senderRole: 'citizen',
          kind: 'text',
          text: '你好，请问器械注册要多久？',
        }),
      ]);
      expect(inbound[0]?.externalId).toMatch(new RegExp(`^${sessionId}:`));
    });

    it('stores a retried POST once when it carries the same Idempotency-Key', async () => {
      const { sessionId, token } = await h.newSession();
      const first = await h.post(sessionId, token, { text: '重复' }, { 'Idempotency-Key': 'k-1' });
      const again = await h.post(sessionId, token, { text: '重复' }, { 'Idempotency-Key': 'k-1' });
      const a = (await first.json()) as { messageId: number };
      const b = (await again.json()) as { messageId: number; duplicate: boolean };
      expect(again.status).toBe(201);
      expect(b).toEqual({ messageId: a.messageId, duplicate: true });
      expect(h.flows.received.filter((m) => m.channelUserId === sessionId)).toHaveLength(1);
    });

    it.each([
      ['an unknown session', 'AAAAAAAAAAAAAAAAAAAAAA', 'any', 404, 'not_found'],
      ['a malformed session id', 'x'.repeat(5), 'any', 404, 'not_found'],
    ])('answers %s with %i', async (_what, sessionId, token, status, code) => {
      const res = await h.post(sessionId, token, { text: 'hi' });
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    });

    it('answers 401 without a token, with a wrong one, and with another session’s token — and stores nothing', async () => {
      const mine = await h.newSession();
      const other = await h.newSession();
      for (const token of [null, 'wrong-token', other.token]) {
        const res = await h.post(mine.sessionId, token, { text: 'hi' });
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      }
      expect(h.flows.received.filter((m) => m.channelUserId === mine.sessionId)).toEqual([]);
    });

    it.each([
      ['empty text', { text: '' }, 400, 'validation_failed'],
      ['blank text', { text: ' \n\t ' }, 400, 'validation_failed'],
      ['no text field', { message: 'hi' }, 400, 'validation_failed'],
      ['a number', { text: 42 }, 400, 'validation_failed'],
      ['2 001 characters', { text: '药'.repeat(2001) }, 413, 'payload_too_large'],
    ])('refuses %s and stores nothing', async (_what, body, status, code) => {
      const { sessionId, token } = await h.newSession();
      const res = await h.post(sessionId, token, body);
      expect(res.status).toBe(status);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe(code);
      expect(error.message).toMatch(/text/);
      expect(h.flows.received.filter((m) => m.channelUserId === sessionId)).toEqual([]);
    });

    it('accepts exactly 2 000 characters (emoji count as one)', async () => {
      const { sessionId, token } = await h.newSession();
      const res = await h.post(sessionId, token, { text: '😀'.repeat(2000) });
      expect(res.status).toBe(201);
    });

    it('refuses a body that is not JSON with 415', async () => {
      const { sessionId, token } = await h.newSession();
      const res = await fetch(`${h.t.url}/webchat/sessions/${sessionId}/messages`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' },
        body: 'hello',
      });
      expect(res.status).toBe(415);
    });

    it('limits a session to 20 messages a minute (429 with Retry-After), then lets it go on', async () => {
      const { sessionId, token } = await h.newSession();
      for (let i = 0; i < 20; i += 1)
        expect((await h.post(sessionId, token, { text: `第${i}条` })).status).toBe(201);
      const limited = await h.post(sessionId, token, { text: '太多了' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
      expect(h.flows.received.filter((m) => m.channelUserId === sessionId)).toHaveLength(20);
      h.clock.advance(60_000);
      expect((await h.post(sessionId, token, { text: '又可以了' })).status).toBe(201);
    });
  });

  describe('image uploads', () => {
    const upload = (sessionId: string, token: string, body: Buffer, type: string) =>
      fetch(`${h.t.url}/webchat/sessions/${sessionId}/uploads`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': type,
          'X-File-Name': encodeURIComponent('营业执照.png'),
        },
        body,
      });

    it('stores a PNG, passes an image InboundMessage, and serves it back to the session', async () => {
      const { sessionId, token } = await h.newSession();
      const res = await upload(sessionId, token, TINY_PNG, 'image/png');
      expect(res.status).toBe(201);
      const body = (await res.json()) as { messageId: number; mediaUrl: string };
      const inbound = h.flows.received.find((m) => m.channelUserId === sessionId);
      expect(inbound).toMatchObject({
        kind: 'image',
        fileName: '营业执照.png',
        mediaRef: expect.stringMatching(/^webchat-upload:/),
      });
      const image = await fetch(`${h.t.url}${body.mediaUrl}?token=${token}`);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await image.arrayBuffer())).toEqual(TINY_PNG);
      const other = await h.newSession();
      expect((await fetch(`${h.t.url}${body.mediaUrl}?token=${other.token}`)).status).toBe(401);
    });

    it.each([
      ['a text file declared as PNG', Buffer.from('just text, not an image'), 'image/png'],
      ['a PDF', Buffer.from('%PDF-1.7\n…'), 'application/pdf'],
      ['an SVG (script-capable)', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml'],
    ])('refuses %s with 415 and passes nothing on', async (_what, bytes, type) => {
      const { sessionId, token } = await h.newSession();
      const res = await upload(sessionId, token, bytes, type);
      expect(res.status).toBe(415);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
      expect(h.flows.received.filter((m) => m.channelUserId === sessionId)).toEqual([]);
    });

    it('refuses an image over the size limit with 413', async () => {
      const { sessionId, token } = await h.newSession();
      const big = Buffer.concat([TINY_PNG, Buffer.alloc(70 * 1024)]);
      const res = await upload(sessionId, token, big, 'image/png');
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    });

    it('refuses an empty upload with 400 and an upload without a token with 401', async () => {
      const { sessionId, token } = await h.newSession();
      expect((await upload(sessionId, token, Buffer.alloc(0), 'image/png')).status).toBe(400);
      const res = await fetch(`${h.t.url}/webchat/sessions/${sessionId}/uploads`, {
        method: 'POST',
        headers: { 'Content-Type': 'image/png' },
        body: TINY_PNG,
      });
      expect(res.status).toBe(401);
    });
  });

  describe('polling', () => {
    it('returns the session’s messages after a given id, with the bot’s choices', async () => {
      const { sessionId, token } = await h.newSession();
      const first = (await (await h.post(sessionId, token, { text: '第一句' })).json()) as {
        messageId: number;
      };
      await h.post(sessionId, token, { text: '我要办生产许可' });
      const res = await fetch(`${h.t.url}/webchat/sessions/${sessionId}/messages?after=${first.messageId}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      const { messages } = (await res.json()) as {
        messages: { id: number; direction: string; from: string; text: string; choices?: unknown[] }[];
      };
      expect(messages.map((m) => [m.direction, m.from, m.text])).toEqual([
        ['in', 'citizen', '我要办生产许可'],
        ['out', 'bot', '请问您办理哪个事项？'],
      ]);
      expect(messages[1]?.choices).toEqual([
        { key: '1', label: '药品生产' },
        { key: '2', label: '化妆品' },
      ]);
      expect(messages.every((m) => m.id > first.messageId)).toBe(true);
      const all = (await (
        await fetch(`${h.t.url}/webchat/sessions/${sessionId}/messages?token=${token}`)
      ).json()) as { messages: unknown[] };
      expect(all.messages).toHaveLength(3);
    });

    it('refuses a malformed cursor with 400 and never shows another session’s messages', async () => {
      const a = await h.newSession();
      const b = await h.newSession();
      await h.post(a.sessionId, a.token, { text: 'A 的消息' });
      const bad = await fetch(`${h.t.url}/webchat/sessions/${a.sessionId}/messages?after=abc`, {
        headers: { Authorization: `Bearer ${a.token}` },
      });
      expect(bad.status).toBe(400);
      const res = await fetch(`${h.t.url}/webchat/sessions/${b.sessionId}/messages?after=0`, {
        headers: { Authorization: `Bearer ${b.token}` },
      });
      expect(((await res.json()) as { messages: unknown[] }).messages).toEqual([]);
    });
  });

  describe('cross-origin use and assets', () => {
    it('answers a preflight from another site', async () => {
      const res = await fetch(`${h.t.url}/webchat/sessions/abc/messages`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://yct.sh.gov.cn', 'Access-Control-Request-Method': 'POST' },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-headers')).toContain('Authorization');
    });

    it('serves the widget script and style', async () => {
      const js = await fetch(`${h.t.url}/webchat/widget.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toContain('javascript');
      expect(await js.text()).toContain('小申');
      const css = await fetch(`${h.t.url}/webchat/widget.css`);
      expect(css.headers.get('content-type')).toContain('text/css');
    });
  });
});

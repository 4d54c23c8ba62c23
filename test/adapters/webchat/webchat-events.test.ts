import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { openSse, type ReceivedEvent } from '../../desk/sse-client.ts';
import { startWebchat, type WebchatHarness } from './webchat-harness.ts';

type Msg = {
  id: number;
  direction: string;
  from: string;
  text: string;
  choices?: { key: string; label: string }[];
};
const data = (event: ReceivedEvent) => event.data as Msg;

describe.each(backends)('webchat SSE on %s', (backend) => {
  const test = useTestDatabase(backend);
  let h: WebchatHarness;
  beforeAll(async () => {
    h = await startWebchat(test.database);
  });
  afterAll(async () => {
    await h.close();
  });

  async function conversationOf(sessionId: string): Promise<string> {
    return h.flows.openConversation('webchat', sessionId);
  }

  it('delivers a message pushed through the gateway, with its choices, as it happens', async () => {
    const { sessionId, token } = await h.newSession();
    const stream = await openSse(`${h.t.url}/webchat/sessions/${sessionId}/events?token=${token}`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    await h.post(sessionId, token, { text: '在吗' });
    await stream.next((e) => e.event === 'message' && data(e).text === '在吗');
    const id = await h.flows.reply(await conversationOf(sessionId), {
      kind: 'text',
      text: '您好，我是帮办人员小王',
      choices: [{ key: 'ok', label: '好的' }],
    });
    const event = await stream.next((e) => data(e).id === id);
    expect(event.id).toBe(String(id));
    expect(data(event)).toMatchObject({
      direction: 'out',
      from: 'bot',
      text: '您好，我是帮办人员小王',
      choices: [{ key: 'ok', label: '好的' }],
    });
    stream.close();
  });

  it('resumes after Last-Event-ID with only the newer messages', async () => {
    const { sessionId, token } = await h.newSession();
    const first = (await (await h.post(sessionId, token, { text: '一' })).json()) as { messageId: number };
    await h.post(sessionId, token, { text: '二' });
    await h.post(sessionId, token, { text: '三' });
    const stream = await openSse(`${h.t.url}/webchat/sessions/${sessionId}/events`, {
      Authorization: `Bearer ${token}`,
      'Last-Event-ID': String(first.messageId),
    });
    await stream.next((e) => data(e).text === '三');
    expect(stream.events.filter((e) => e.event === 'message').map((e) => data(e).text)).toEqual(['二', '三']);
    stream.close();
  });

  it('starts a fresh stream with the history, and heartbeats keep it alive', async () => {
    const { sessionId, token } = await h.newSession();
    await h.post(sessionId, token, { text: '历史消息' });
    const stream = await openSse(`${h.t.url}/webchat/sessions/${sessionId}/events?token=${token}`);
    await stream.next((e) => data(e).text === '历史消息');
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(stream.events.filter((e) => e.event === 'message')).toHaveLength(1);
    stream.close();
  });

  it('refuses a stream without the session’s token (401) or for an unknown session (404)', async () => {
    const { sessionId } = await h.newSession();
    expect((await openSse(`${h.t.url}/webchat/sessions/${sessionId}/events?token=nope`)).status).toBe(401);
    expect((await openSse(`${h.t.url}/webchat/sessions/${sessionId}/events`)).status).toBe(401);
    expect((await openSse(`${h.t.url}/webchat/sessions/AAAAAAAAAAAAAAAAAAAAAA/events?token=x`)).status).toBe(
      404,
    );
  });

  it('ends open streams and unsubscribes when the hub closes or the client leaves', async () => {
    const { sessionId, token } = await h.newSession();
    const stream = await openSse(`${h.t.url}/webchat/sessions/${sessionId}/events?token=${token}`);
    await stream.next((e) => e.event !== 'x', 200).catch(() => undefined);
    expect(h.hub.listenerCount(sessionId)).toBe(1);
    stream.close();
    await expect.poll(() => h.hub.listenerCount(sessionId)).toBe(0);
  });
});

/**
 * A DingTalk helper's whole cycle through the real bangban (createBangban) and the loopback fake
 * DingTalk: a web-widget citizen asks for a human → the helper's actionCard with 接单 → the click
 * (the `dtmd://…sendMessage` link sends "接单 <code>") → reminder (1:1 and @ in the item group) →
 * reply reaches the citizen → /resolve. Plus delivery dedupe, not-on-rota, expired session webhooks,
 * staff and citizen media, the robot throttle fallback and the event-subscription callback.
 */
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callbackSignature, decryptCallback, encryptCallback } from '../../../adapters/dingtalk/crypto.ts';
import { NOT_ON_ROTA } from '../../../adapters/dingtalk/inbound-handler.ts';
import { aesKeyOf } from '../../../adapters/dingtalk/crypto.ts';
import {
  conversations,
  dingtalkRobotPauses,
  dingtalkSessions,
  inbox,
} from '../../../src/storage/schema/index.ts';
import { backends } from '../../helpers/db.ts';
import {
  APP_KEY,
  CALLBACK_AES_KEY,
  CALLBACK_TOKEN,
  PREP_GROUP,
  startDingtalkHarness,
  type DingtalkHarness,
} from './dingtalk-harness.ts';

const ZHANG = 'dt-zhangwei';

describe.each(backends)('a DingTalk helper, end to end through createBangban, on %s', (backend) => {
  let h: DingtalkHarness;
  beforeEach(async () => {
    h = await startDingtalkHarness(backend);
  }, 60_000);
  afterEach(() => h.close());

  const db = () => h.bangban.database.db;

  async function handOff(user: string) {
    const say = (n: number, text: string) =>
      h.bangban.flows.handleInbound({
        channel: 'webchat',
        channelUserId: user,
        senderRole: 'citizen',
        externalId: `${user}-${n}`,
        kind: 'text',
        text,
      });
    await say(1, '转人工');
    await h.settle();
    let [row] = await db().select().from(conversations).where(eq(conversations.citizenUserId, user));
    if (row?.state === 'bot') {
      await say(2, '1');
      await h.settle();
      [row] = await db().select().from(conversations).where(eq(conversations.citizenUserId, user));
    }
    return row!;
  }

  const staffReplies = async (conversationId: string) =>
    (await h.bangban.flows.transcript(conversationId))
      .filter((m) => m.senderKind === 'staff' && m.direction === 'out')
      .map((m) => m.body);

  const dingtalkInbox = () => db().select().from(inbox).where(eq(inbox.channel, 'dingtalk'));

  it('new question → actionCard → 接单 → reminder (1:1 and @ in the group) → reply reaches the citizen → /resolve', async () => {
    const conversation = await handOff('citizen-a');
    expect(conversation.assigneeId).toBe('zhang-wei');

    // The card: the app robot's 1:1 actionCard, its 接单 button a link that sends "接单 <code>".
    const [card] = h.fake.delivered(ZHANG);
    expect(card!.api).toBe('robot/oToMessages/batchSend');
    expect(card!.body!['msgKey']).toBe('sampleActionCard');
    const param = JSON.parse(card!.body!['msgParam'] as string) as Record<string, string>;
    expect(param['title']).toBe(`分配给您的咨询 #${conversation.code}`);
    expect(param['text']).toMatch(/事项：医疗机构制剂注册[\s\S]*已等待：\d+ 秒[\s\S]*回复期限：10:01:00 前/);
    expect(param['singleTitle']).toBe('接单');
    const link = new URL(param['singleURL']!);
    expect(link.protocol).toBe('dtmd:');
    expect(link.searchParams.get('content')).toBe(`接单 ${conversation.code}`);

    // The click: DingTalk sends that text as the helper's message to the robot.
    const claim = await h.post(h.staffText(ZHANG, link.searchParams.get('content')!));
    expect(claim.status).toBe(200);
    await h.settle();
    const claimed = h.fake.delivered(`user:${ZHANG}`).at(-1)!;
    expect(claimed.api).toBe('sendBySession');
    expect((claimed.body!['text'] as { content: string }).content).toContain(`已接单 #${conversation.code}`);

    // 30 s without a first reply: the reminder, 1:1 and in the item's group with an @.
    await h.advance(30);
    expect(h.messagesTo(ZHANG).some((t) => t.startsWith(`⏰ 提醒：#${conversation.code}`))).toBe(true);
    const [groupPost] = h.fake.delivered('prep-robot');
    expect(groupPost!.body).toMatchObject({
      msgtype: 'text',
      at: { atUserIds: [ZHANG] },
    });
    expect((groupPost!.body!['text'] as { content: string }).content).toMatch(/⏰ 提醒[\s\S]*@dt-zhangwei/);
    expect(groupPost!.query['sign']).toBeTruthy();
    expect(typeof groupPost!.body!['msgUuid']).toBe('string');

    // The reply reaches the citizen, and the first-response clock stops.
    const reply = await h.post(h.staffText(ZHANG, '您好，请问您要办理哪一类制剂？'));
    expect(reply.status).toBe(200);
    await h.settle();
    expect(await staffReplies(conversation.id)).toEqual(['您好，请问您要办理哪一类制剂？']);
    const [active] = await db().select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(active!.firstHumanResponseAt).not.toBeNull();

    // /resolve closes it.
    await h.post(h.staffText(ZHANG, '/resolve'));
    await h.settle();
    const [closed] = await db().select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(closed!.state).not.toBe(active!.state);
    expect(['resolved', 'closed']).toContain(closed!.state);
    expect(h.fake.tokensIssued()).toBe(1);
  }, 60_000);

  it('the same robot message delivered 3 times is stored and relayed once', async () => {
    const conversation = await handOff('citizen-b');
    await h.post(h.staffText(ZHANG, `接单 ${conversation.code}`));
    await h.settle();
    const message = h.staffText(ZHANG, '材料清单请见附件说明。');
    const answers = await Promise.all([h.post(message), h.post(message), h.post(message)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await h.settle();
    expect(await staffReplies(conversation.id)).toEqual(['材料清单请见附件说明。']);
    const rows = await dingtalkInbox();
    expect(rows.filter((r) => r.externalId === message['msgId'])).toHaveLength(1);
  }, 60_000);

  it('someone not on the rota is told so through the robot; nothing reaches the inbox', async () => {
    const res = await h.post(h.staffText('dt-stranger', '你好'));
    expect(res.status).toBe(200);
    await h.settle();
    expect(h.messagesTo('dt-stranger')).toEqual([NOT_ON_ROTA]);
    expect(await dingtalkInbox()).toHaveLength(0);
  }, 60_000);

  it('a session webhook DingTalk refuses (expired) falls back to the app robot; an old one is never tried', async () => {
    const conversation = await handOff('citizen-c');
    // The message says its webhook lives 90 min, but DingTalk has already expired it.
    const message = h.staffText(ZHANG, `接单 ${conversation.code}`);
    message['sessionWebhook'] = h.fake.openSession(`user:${ZHANG}`, h.clock.now().getTime() - 1);
    await h.post(message);
    await h.settle();
    expect(h.fake.callsTo('sendBySession').at(-1)!.result).toBe('300001');
    const last = h.fake.delivered(ZHANG).at(-1)!;
    expect(last.api).toBe('robot/oToMessages/batchSend');
    expect(JSON.parse(last.body!['msgParam'] as string).content).toContain(`已接单 #${conversation.code}`);
    // The refused webhook is forgotten: the next message goes straight to the robot API.
    expect(
      await db()
        .select()
        .from(dingtalkSessions)
        .where(eq(dingtalkSessions.sessionKey, `user:${ZHANG}`)),
    ).toHaveLength(0);
    const before = h.fake.callsTo('sendBySession').length;
    await h.advance(30);
    expect(h.fake.callsTo('sendBySession')).toHaveLength(before);
    expect(h.messagesTo(ZHANG).some((t) => t.startsWith('⏰ 提醒'))).toBe(true);
    // The outbox has nothing failed or dead.
    const { outbox } = await import('../../../src/storage/schema/index.ts');
    const jobs = await db().select().from(outbox);
    expect(jobs.filter((j) => j.kind.startsWith('dingtalk.') && j.status !== 'delivered')).toEqual([]);
  }, 60_000);

  it("a staff member's picture is downloaded into the MediaStore and enters as media:<id>", async () => {
    const conversation = await handOff('citizen-d');
    await h.post(h.staffText(ZHANG, `接单 ${conversation.code}`));
    await h.settle();
    const bytes = Buffer.from('\x89PNG fake picture bytes');
    h.fake.addFile('dl-code-1', { bytes, contentType: 'image/png', fileName: '截图.png' });
    const picture: Record<string, unknown> = {
      ...h.staffText(ZHANG, ''),
      msgtype: 'picture',
      content: { downloadCode: 'dl-code-1' },
    };
    delete picture['text'];
    expect((await h.post(picture)).status).toBe(200);
    await h.settle();
    const [row] = (await dingtalkInbox()).filter((r) => r.externalId === picture['msgId']);
    const payload = row!.payload as { kind: string; mediaRef: string };
    expect(payload.kind).toBe('image');
    expect(payload.mediaRef).toMatch(/^media:/);
    const stored = await h.bangban.media.get(payload.mediaRef);
    expect(stored?.bytes.equals(bytes)).toBe(true);
    expect(stored?.contentType).toBe('image/png');
  }, 60_000);

  it("a citizen's media (media:<id>) reaches the helper as a DingTalk image message", async () => {
    const conversation = await handOff('citizen-e');
    const ref = await h.bangban.media.put({
      bytes: Buffer.from('jpeg bytes'),
      contentType: 'image/jpeg',
      fileName: 'a.jpg',
    });
    await h.bangban.flows.handleInbound({
      channel: 'webchat',
      channelUserId: 'citizen-e',
      senderRole: 'citizen',
      externalId: 'citizen-e-img',
      kind: 'image',
      mediaRef: ref,
    });
    await h.settle();
    const image = h.fake.delivered(ZHANG).find((c) => c.body?.['msgKey'] === 'sampleImageMsg');
    expect(image, JSON.stringify(h.fake.calls.map((c) => c.api))).toBeDefined();
    const mediaId = JSON.parse(image!.body!['msgParam'] as string).photoURL as string;
    expect(h.fake.uploads.get(mediaId)?.bytes.toString()).toBe('jpeg bytes');
    expect(h.messagesTo(ZHANG).some((t) => t.startsWith(`#${conversation.code}`))).toBe(true);
  }, 60_000);

  it('on the custom robot throttle the robot pauses 10 minutes and the group post takes the app robot', async () => {
    const conversation = await handOff('citizen-f');
    h.fake.failNext('robot/send', { errcode: 410100, errmsg: '发送速度太快而限流' });
    await h.advance(30);
    const [viaApp] = h.fake.delivered(PREP_GROUP);
    expect(viaApp!.api).toBe('robot/groupMessages/send');
    expect(JSON.parse(viaApp!.body!['msgParam'] as string).content).toMatch(
      new RegExp(`⏰ 提醒：#${conversation.code}[\\s\\S]*@dt-zhangwei`),
    );
    const [pause] = await db()
      .select()
      .from(dingtalkRobotPauses)
      .where(eq(dingtalkRobotPauses.itemId, 'preparation-registration'));
    expect(pause!.pausedUntil.getTime() - h.clock.now().getTime()).toBeGreaterThan(9 * 60_000);
    // The breach 30 s later: the robot is still paused, so it is not tried at all.
    const robotCalls = h.fake.callsTo('robot/send').length;
    await h.advance(35);
    expect(h.fake.callsTo('robot/send')).toHaveLength(robotCalls);
    expect(h.fake.delivered(PREP_GROUP).length).toBeGreaterThan(1);
  }, 60_000);

  it('event subscription: check_url and any event get the encrypted success; a bad signature is 401', async () => {
    const key = aesKeyOf(CALLBACK_AES_KEY)!;
    const post = (plaintext: string, tamper = false) => {
      const timestamp = String(h.clock.now().getTime());
      const nonce = 'n0nce123';
      const encrypt = encryptCallback(key, plaintext, APP_KEY);
      const signature = callbackSignature(CALLBACK_TOKEN, timestamp, nonce, encrypt);
      const query = new URLSearchParams({
        signature: tamper
          ? signature.replace(/^./, 'f') === signature
            ? `0${signature.slice(1)}`
            : signature.replace(/^./, 'f')
          : signature,
        timestamp,
        nonce,
      });
      return fetch(`${h.url}/callbacks/dingtalk/events?${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ encrypt }),
      });
    };
    for (const event of ['{"EventType":"check_url"}', '{"EventType":"user_add_org","UserId":["张三"]}']) {
      const started = performance.now();
      const res = await post(event);
      expect(performance.now() - started).toBeLessThan(1500);
      expect(res.status).toBe(200);
      const answer = (await res.json()) as Record<string, string>;
      expect(answer['msg_signature']).toBe(
        callbackSignature(CALLBACK_TOKEN, answer['timeStamp']!, answer['nonce']!, answer['encrypt']!),
      );
      expect(decryptCallback(key, answer['encrypt']!, APP_KEY).message).toBe('success');
    }
    const bad = await post('{"EventType":"check_url"}', true);
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
  }, 60_000);

  it('a wrong or missing sign is 401 invalid_signature, an old timestamp 401 stale_timestamp; nothing stored', async () => {
    const message = h.staffText(ZHANG, '你好');
    const ts = String(h.clock.now().getTime());
    const wrong = await h.post(message, {
      timestamp: ts,
      sign: 'DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=',
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    expect((await h.post(message, {})).status).toBe(401);
    const old = String(h.clock.now().getTime() - 2 * 3_600_000);
    const { robotSign } = await import('../../../adapters/dingtalk/crypto.ts');
    const { APP_SECRET } = await import('./dingtalk-harness.ts');
    const stale = await h.post(message, { timestamp: old, sign: robotSign(old, APP_SECRET) });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('stale_timestamp');
    expect(await dingtalkInbox()).toHaveLength(0);
    expect(
      await db()
        .select()
        .from(dingtalkSessions)
        .where(and(eq(dingtalkSessions.sessionKey, `user:${ZHANG}`))),
    ).toHaveLength(0);
  }, 60_000);
});

import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { conversationEvents, conversations, inbox, messages } from '../../src/storage/schema/index.ts';
import { backends } from '../helpers/db.ts';
import {
  KB_CLOSING,
  PREP,
  PREP_MATERIALS,
  SOCIAL_SECURITY_REFERRAL,
  useFlowHarness,
  type Harness,
} from './flow-harness.ts';

async function conversationsOf(h: Harness, user: string) {
  return h.database.db.select().from(conversations).where(eq(conversations.citizenUserId, user));
}

async function eventTypes(h: Harness, conversationId: string): Promise<string[]> {
  const rows = await h.database.db
    .select()
    .from(conversationEvents)
    .where(eq(conversationEvents.conversationId, conversationId))
    .orderBy(conversationEvents.id);
  return rows.map((row) => row.type);
}

describe.each(backends)('handleInbound on %s', (backend) => {
  const harness = useFlowHarness(backend);

  it('answers from the KB, then 转人工 assigns the on-duty primary helper and notifies the item’s others', async () => {
    const { h } = harness;
    await h.say('c1', '医疗机构制剂注册需要哪些材料？');
    expect(h.gateway.textsTo('c1')).toEqual([`${PREP_MATERIALS.answer}\n\n${KB_CLOSING}`]);
    const [bot] = await conversationsOf(h, 'c1');
    expect(bot).toMatchObject({ state: 'bot', itemId: PREP });

    await h.say('c1', '转人工');
    const [assigned] = await conversationsOf(h, 'c1');
    expect(assigned).toMatchObject({
      id: bot!.id,
      state: 'assigned',
      assigneeId: 'zhang-wei',
      handoffAt: h.clock.now(),
    });
    expect(h.gateway.textsTo('c1').at(-1)).toBe('帮办人员张伟已为您服务，请稍候。');
    expect(h.gateway.notificationsOf('assigned')).toMatchObject([
      {
        staffId: 'zhang-wei',
        notification: { by: 'rota', conversation: { code: bot!.code, itemName: '医疗机构制剂注册' } },
      },
    ]);
    expect(h.gateway.notificationsOf('new_conversation')).toMatchObject([
      { staffId: 'li-na', notification: { claimable: false } },
    ]);
    expect(await eventTypes(h, bot!.id)).toEqual([
      'created',
      'item_classified',
      'bot_answered',
      'handoff_requested',
      'handoff',
      'assigned',
    ]);
  });

  it('tells the citizen where to go for another agency’s business instead of handing off', async () => {
    const { h } = harness;
    await h.say('c14', '社保卡怎么补办');
    expect(h.gateway.textsTo('c14')).toEqual([SOCIAL_SECURITY_REFERRAL.answer]);
    const [row] = await conversationsOf(h, 'c14');
    expect(row).toMatchObject({ state: 'bot', handoffAt: null });
    expect(await eventTypes(h, row!.id)).toEqual(['created', 'bot_referred']);
  });

  it('records “1 已解决” after a bot answer as bot-solved and closes the conversation', async () => {
    const { h } = harness;
    await h.say('c2', '制剂注册需要什么');
    await h.say('c2', '1');
    const [row] = await conversationsOf(h, 'c2');
    expect(row).toMatchObject({ state: 'resolved', assigneeId: null, handoffAt: null });
    expect(await eventTypes(h, row!.id)).toContain('bot_solved');
    // The next question opens a new conversation.
    await h.say('c2', '还有一个问题');
    expect(await conversationsOf(h, 'c2')).toHaveLength(2);
  });

  it('hands off on “2 没解决” after a bot answer', async () => {
    const { h } = harness;
    await h.say('c3', '制剂注册需要什么');
    await h.say('c3', '没解决');
    const [row] = await conversationsOf(h, 'c3');
    expect(row).toMatchObject({ state: 'assigned', assigneeId: 'zhang-wei' });
    expect(await eventTypes(h, row!.id)).toEqual(expect.arrayContaining(['bot_not_solved', 'handoff']));
  });

  it('asks for the item when the KB cannot answer, and hands off once the citizen picks one', async () => {
    const { h } = harness;
    await h.say('c4', '我想问一个很特别的问题');
    expect(h.gateway.citizen.at(-1)?.message).toMatchObject({
      kind: 'text',
      text: expect.stringContaining('哪个事项'),
      choices: expect.arrayContaining([{ key: `item:${PREP}`, label: '1 医疗机构制剂注册' }]),
    });
    expect((await conversationsOf(h, 'c4'))[0]).toMatchObject({ state: 'bot', itemId: null });

    await h.flows.handleInbound(
      h.citizen('c4', '', { kind: 'event', event: 'menu_click', key: 'item:device-registration' }),
    );
    const [row] = await conversationsOf(h, 'c4');
    expect(row).toMatchObject({ state: 'assigned', itemId: 'device-registration', assigneeId: 'wu-ting' });
    const handoff = (
      await h.database.db
        .select()
        .from(conversationEvents)
        .where(eq(conversationEvents.conversationId, row!.id))
    ).find((e) => e.type === 'handoff');
    expect(handoff?.data).toMatchObject({
      reason: 'kb_low_confidence',
      itemId: 'device-registration',
      inWorkingHours: true,
    });
    // Staff read what the citizen clicked, not the button's key.
    const transcript = await h.flows.transcript(row!.id);
    expect(transcript.map((m) => m.body)).toContain('[选择事项] 第二类医疗器械产品注册');
    expect(transcript.map((m) => m.body).join()).not.toContain('item:');
  });

  it('continues a returning citizen’s open conversation and relays their words to the assignee', async () => {
    const { h } = harness;
    await h.say('c5', '制剂注册需要什么');
    await h.say('c5', '人工');
    await h.say('c5', '我补充一下：是中药制剂');
    const rows = await conversationsOf(h, 'c5');
    expect(rows).toHaveLength(1);
    expect(h.gateway.notificationsOf('citizen_message')).toMatchObject([
      {
        staffId: 'zhang-wei',
        notification: { text: '我补充一下：是中药制剂', conversation: { preview: '我补充一下：是中药制剂' } },
      },
    ]);
  });

  it('stores a duplicate delivery once: three retries, also concurrent, give one message and one conversation', async () => {
    const { h } = harness;
    const message = h.citizen('c6', '制剂注册需要什么');
    const first = await h.flows.handleInbound(message);
    const again = await Promise.all([
      h.flows.handleInbound(message),
      h.flows.handleInbound(message),
      h.flows.receive(message),
    ]);
    expect(first).toMatchObject({ ok: true, duplicate: false });
    expect(again.map((r) => r.duplicate)).toEqual([true, true, true]);
    expect(new Set([first, ...again].map((r) => r.inboxId)).size).toBe(1);

    const concurrent = h.citizen('c7', '制剂注册需要什么');
    const results = await Promise.all([1, 2, 3].map(() => h.flows.handleInbound(concurrent)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    await h.flows.idle();
    for (const user of ['c6', 'c7']) {
      const rows = await conversationsOf(h, user);
      expect(rows).toHaveLength(1);
      const lines = await h.database.db
        .select()
        .from(messages)
        .where(eq(messages.conversationId, rows[0]!.id));
      expect(lines.filter((m) => m.direction === 'in')).toHaveLength(1);
      expect(h.gateway.textsTo(user)).toHaveLength(1);
    }
  });

  it('processes what receive stored in the background, and marks the inbox row processed', async () => {
    const { h } = harness;
    const stored = await h.flows.receive(h.citizen('c8', '制剂注册需要什么'));
    await h.flows.idle();
    const [row] = await h.database.db.select().from(inbox).where(eq(inbox.id, stored.inboxId));
    expect(row).toMatchObject({ processedAt: h.clock.now(), error: null });
    expect(h.gateway.textsTo('c8')).toHaveLength(1);
  });

  it('recovers inbox rows stored but never processed (a crash after the ack), exactly once', async () => {
    const { h } = harness;
    const message = h.citizen('c9', '制剂注册需要什么');
    await h.database.db.insert(inbox).values({
      channel: message.channel,
      externalId: message.externalId,
      payload: message,
      receivedAt: h.clock.now(),
    });
    expect(await h.flows.recoverInbox()).toBe(1);
    expect(await h.flows.recoverInbox()).toBe(0);
    expect(h.gateway.textsTo('c9')).toHaveLength(1);
  });

  it('keeps a message whose processing failed unprocessed with the error, for recovery', async () => {
    const { h } = harness;
    const failing = { ...h.kb, answer: () => Promise.reject(new Error('kb exploded')) };
    h.kb.answer = failing.answer;
    const stored = await h.flows.handleInbound(h.citizen('c10', '随便问问'));
    const [row] = await h.database.db.select().from(inbox).where(eq(inbox.id, stored.inboxId));
    expect(row).toMatchObject({ processedAt: null, error: 'kb exploded' });
    expect(await conversationsOf(h, 'c10')).toEqual([]);
  });

  it('keeps the committed change when a send fails afterwards (the failure is logged)', async () => {
    const { h } = harness;
    h.gateway.failNext = 1;
    const stored = await h.flows.handleInbound(h.citizen('c13', '制剂注册需要什么'));
    const [row] = await h.database.db.select().from(inbox).where(eq(inbox.id, stored.inboxId));
    expect(row?.processedAt).toEqual(h.clock.now());
    expect(await conversationsOf(h, 'c13')).toHaveLength(1);
    expect(h.gateway.textsTo('c13')).toEqual([]);
  });

  it('hands an image straight to a human, asking for the item first', async () => {
    const { h } = harness;
    await h.flows.handleInbound(h.citizen('c11', '', { kind: 'image', mediaRef: 'https://x/y.png' }));
    expect(h.gateway.textsTo('c11')[0]).toContain('无法识别图片');
    expect(h.gateway.textsTo('c11')[1]).toContain('哪个事项');
  });

  it('stores and processes a message with a NUL and an unpaired surrogate, without them', async () => {
    const { h } = harness;
    // PostgreSQL takes neither in text or jsonb; the message is kept, not refused.
    const stored = await h.flows.handleInbound(h.citizen('c14', '制剂\u0000注册需要什么\ud800？'));
    const [row] = await h.database.db.select().from(inbox).where(eq(inbox.id, stored.inboxId));
    expect(row).toMatchObject({ processedAt: h.clock.now(), error: null });
    expect((row?.payload as { text: string }).text).toBe('制剂注册需要什么\ufffd？');
    const [conversation] = await conversationsOf(h, 'c14');
    const lines = await h.database.db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, conversation!.id));
    expect(lines.find((m) => m.direction === 'in')?.body).toBe('制剂注册需要什么\ufffd？');
  });

  it('rejects a malformed message with the field at fault and stores nothing', async () => {
    const { h } = harness;
    for (const externalId of [' ', '\u0000'])
      await expect(h.flows.handleInbound(h.citizen('c12', 'hi', { externalId }))).rejects.toThrow(
        /externalId must be a non-empty string/,
      );
    expect(await h.database.db.select().from(inbox)).toEqual([]);
  });

  it('puts questions the bot could not answer into the KB gap backlog, with the original question on “2 没解决”', async () => {
    const { h } = harness;
    const before = h.gaps.length;
    await h.say('g1', '药品委托生产的质量协议模板在哪里下载');
    const [unanswered] = await conversationsOf(h, 'g1');
    expect(h.gaps.slice(before)).toEqual([
      {
        question: '药品委托生产的质量协议模板在哪里下载',
        item: null,
        conversationId: unanswered!.id,
        reason: 'low_confidence',
      },
    ]);

    await h.say('g2', '制剂注册需要哪些材料');
    await h.say('g2', '2');
    const [answered] = await conversationsOf(h, 'g2');
    expect(h.gaps.at(-1)).toEqual({
      question: '制剂注册需要哪些材料',
      item: PREP,
      conversationId: answered!.id,
      reason: 'not_solved',
    });

    // A referral (another agency's business) is an answer, not a gap.
    const count = h.gaps.length;
    await h.say('g3', '社保怎么交');
    expect(h.gaps).toHaveLength(count);
  });

  it('closes a conversation left with the bot as abandoned after 30 silent minutes; the next message starts afresh', async () => {
    const { h } = harness;
    await h.say('idle1', '制剂注册需要哪些材料');
    await h.advance(20 * 60);
    await h.say('idle1', '再问一次：制剂注册需要哪些材料');
    await h.advance(20 * 60); // 40 min after the first message, 20 after the last: still open
    const [still] = await conversationsOf(h, 'idle1');
    expect(still).toMatchObject({ state: 'bot' });

    await h.advance(11 * 60);
    const [gone] = await conversationsOf(h, 'idle1');
    expect(gone).toMatchObject({ state: 'abandoned' });
    expect(gone!.closedAt).not.toBeNull();
    expect(await eventTypes(h, gone!.id)).toContain('abandoned');

    await h.say('idle1', '制剂注册需要哪些材料');
    const rows = await conversationsOf(h, 'idle1');
    expect(rows.map((r) => r.state).sort()).toEqual(['abandoned', 'bot']);
  });

  it('never abandons a conversation that is with a human', async () => {
    const { h } = harness;
    await h.say('idle2', '制剂注册需要哪些材料');
    await h.say('idle2', '转人工');
    await h.advance(2 * 60 * 60);
    const [row] = await conversationsOf(h, 'idle2');
    expect(row!.state).not.toBe('abandoned');
  });
});

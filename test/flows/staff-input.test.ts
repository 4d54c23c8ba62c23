import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { conversationEvents, conversations, outbox } from '../../src/storage/schema/index.ts';
import { backends } from '../helpers/db.ts';
import { PREP_MATERIALS, useFlowHarness, type Harness } from './flow-harness.ts';

/** Citizen `user` handed off about 医疗机构制剂注册: assigned to zhang-wei (Friday 10:00). */
async function withZhang(h: Harness, user: string) {
  await h.say(user, '转人工');
  await h.say(user, '1');
  const [row] = await h.database.db.select().from(conversations).where(eq(conversations.citizenUserId, user));
  expect(row?.assigneeId).toBe('zhang-wei');
  return row!;
}

async function events(h: Harness, conversationId: string) {
  return h.database.db
    .select()
    .from(conversationEvents)
    .where(eq(conversationEvents.conversationId, conversationId))
    .orderBy(conversationEvents.id);
}

async function rowOf(h: Harness, id: string) {
  return (await h.database.db.select().from(conversations).where(eq(conversations.id, id)))[0]!;
}

describe.each(backends)('staff commands on %s', (backend) => {
  const harness = useFlowHarness(backend);

  it.each([
    ['/switch', '用法：/switch <会话编号>'],
    ['/transfer', '用法：/transfer <工号或姓名>'],
    ['/12345', '用法：/12345 <原因>'],
    ['/kb', '用法：/kb <关键词>'],
    ['/note', '用法：/note <内容>'],
    ['/frobnicate', expect.stringContaining('未知命令 /frobnicate')],
  ])('answers %s without its argument with the usage, changing nothing', async (text, message) => {
    const { h } = harness;
    const result = await h.flows.staffInput({ staffId: 'zhang-wei', text });
    expect(result).toEqual({ ok: false, reason: 'usage', message });
    expect(h.gateway.infoTo('zhang-wei')).toEqual([message]);
    expect(await h.database.db.select().from(conversationEvents)).toEqual([]);
  });

  it('refuses an unknown staff id and a reply with no conversation', async () => {
    const { h } = harness;
    expect(await h.flows.staffInput({ staffId: 'nobody', text: 'hi' })).toMatchObject({
      ok: false,
      reason: 'unknown_staff',
    });
    expect(await h.flows.staffInput({ staffId: 'huang-lei', text: '您好' })).toMatchObject({
      ok: false,
      reason: 'no_current_conversation',
    });
    expect(h.gateway.citizen).toEqual([]);
  });

  it('refuses replies and commands on a conversation the staff member does not own', async () => {
    const { h } = harness;
    const conversation = await withZhang(h, 'w1');
    h.gateway.clear();
    const before = await events(h, conversation.id);
    for (const text of [`#${conversation.code} 我来回答`, `/switch ${conversation.code}`]) {
      expect(await h.flows.staffInput({ staffId: 'li-na', text })).toMatchObject({
        ok: false,
        reason: 'not_owner',
      });
    }
    for (const text of ['我来回答', '/resolve', '/12345 太难', '/transfer li-na', '/note x', '/kb 材料']) {
      expect(
        await h.flows.staffInput({ staffId: 'li-na', text, conversationId: conversation.id }),
      ).toMatchObject({ ok: false, reason: 'not_owner' });
    }
    expect(h.gateway.citizen).toEqual([]);
    expect(await events(h, conversation.id)).toEqual(before);
    expect(await rowOf(h, conversation.id)).toMatchObject({ state: 'assigned', assigneeId: 'zhang-wei' });
  });

  it('replies by code, switches between conversations, and lists them', async () => {
    const { h } = harness;
    const a = await withZhang(h, 'r1');
    const b = await withZhang(h, 'r2');
    // The first assignment became current; the second did not steal it.
    await h.flows.staffInput({ staffId: 'zhang-wei', text: '给第一位' });
    expect(h.gateway.textsTo('r1').at(-1)).toBe('给第一位');
    await h.flows.staffInput({ staffId: 'zhang-wei', text: `#${b.code.toLowerCase()} 给第二位` });
    expect(h.gateway.textsTo('r2').at(-1)).toBe('给第二位');
    await h.flows.staffInput({ staffId: 'zhang-wei', text: '还是第二位' });
    expect(h.gateway.textsTo('r2').at(-1)).toBe('还是第二位');
    expect(await h.flows.staffInput({ staffId: 'zhang-wei', text: `切换 ${a.code}` })).toMatchObject({
      ok: true,
      action: 'switch',
    });
    await h.flows.staffInput({ staffId: 'zhang-wei', text: '回到第一位' });
    expect(h.gateway.textsTo('r1').at(-1)).toBe('回到第一位');

    expect(await h.flows.staffInput({ staffId: 'zhang-wei', text: '/list' })).toEqual({
      ok: true,
      action: 'list',
    });
    const list = h.gateway.infoTo('zhang-wei').at(-1)!;
    expect(list).toContain(`▶ #${a.code}`);
    expect(list).toContain(`#${b.code}`);
    expect(await h.flows.staffInput({ staffId: 'zhang-wei', text: '#ZZZZ 你好' })).toMatchObject({
      ok: false,
      reason: 'not_found',
    });
  });

  it('/note is recorded and not sent; /kb sends the entry as the helper’s reply', async () => {
    const { h } = harness;
    const conversation = await withZhang(h, 'k1');
    h.gateway.clear();
    expect(await h.flows.staffInput({ staffId: 'zhang-wei', text: '/note 企业说明天补材料' })).toMatchObject({
      ok: true,
      action: 'note',
    });
    expect(h.gateway.citizen).toEqual([]);
    expect((await events(h, conversation.id)).at(-1)).toMatchObject({
      type: 'note',
      actorId: 'zhang-wei',
      data: { text: '企业说明天补材料' },
    });

    expect(await h.flows.staffInput({ staffId: 'zhang-wei', text: '/kb 不存在的话题' })).toMatchObject({
      ok: false,
      reason: 'not_found',
    });
    expect(h.gateway.citizen).toEqual([]);
    expect(
      await h.flows.staffInput({ staffId: 'zhang-wei', text: '查知识库 制剂注册需要哪些' }),
    ).toMatchObject({ ok: true, action: 'kb' });
    expect(h.gateway.textsTo('k1')).toEqual([PREP_MATERIALS.answer]);
    expect(await rowOf(h, conversation.id)).toMatchObject({
      state: 'active',
      firstHumanResponseAt: h.clock.now(),
    });
  });

  it('/consult reaches the item department’s experts and /tech the technical staff', async () => {
    const { h } = harness;
    const conversation = await withZhang(h, 'x1');
    expect(
      await h.flows.staffInput({ staffId: 'zhang-wei', text: '/consult 处方变更算不算重大变更？' }),
    ).toMatchObject({ ok: true, action: 'consult' });
    expect(
      h.gateway.notificationsOf('consult').map((n) => [n.staffId, n.notification.kind, n.notification.text]),
    ).toEqual([['chen-jing', 'expert', '处方变更算不算重大变更？']]);
    await h.flows.staffInput({ staffId: 'zhang-wei', text: '技术支持 系统上传失败' });
    expect(
      h.gateway
        .notificationsOf('consult')
        .filter((n) => n.notification.kind === 'tech')
        .map((n) => n.staffId),
    ).toEqual(['xu-bin', 'qian-wen']);
    expect((await events(h, conversation.id)).filter((e) => e.type === 'support_requested')).toHaveLength(2);
  });

  it('/transfer refuses unknown and off-duty staff, and hands over to someone on duty', async () => {
    const { h } = harness;
    const conversation = await withZhang(h, 't1');
    expect(await h.flows.staffInput({ staffId: 'zhang-wei', text: '/transfer 不存在' })).toMatchObject({
      ok: false,
      reason: 'unknown_staff',
    });
    expect(await h.flows.staffInput({ staffId: 'zhang-wei', text: '/transfer wu-ting' })).toMatchObject({
      ok: false,
      reason: 'staff_off_duty',
    });
    expect(await h.flows.staffInput({ staffId: 'zhang-wei', text: '/transfer 张伟' })).toMatchObject({
      ok: false,
      reason: 'usage',
    });
    expect(await rowOf(h, conversation.id)).toMatchObject({ assigneeId: 'zhang-wei' });

    h.gateway.clear();
    expect(await h.flows.staffInput({ staffId: 'zhang-wei', text: '转派 李娜' })).toMatchObject({
      ok: true,
      action: 'transfer',
    });
    expect(await rowOf(h, conversation.id)).toMatchObject({ state: 'assigned', assigneeId: 'li-na' });
    expect(h.gateway.notificationsOf('assigned')).toMatchObject([
      { staffId: 'li-na', notification: { by: 'transfer' } },
    ]);
    expect(h.gateway.textsTo('t1')).toEqual(['帮办人员李娜已为您服务，请稍候。']);
    // li-na gets a fresh minute: nothing at the old deadline's reminder times for zhang-wei.
    await h.advance(30);
    expect(h.gateway.notificationsOf('reminder').map((r) => r.staffId)).toEqual(['li-na']);
  });

  it('/resolve asks the citizen, and their “1” is recorded on the closed conversation', async () => {
    const { h } = harness;
    const conversation = await withZhang(h, 'v1');
    await h.flows.staffInput({ staffId: 'zhang-wei', text: '已为您查明。' });
    expect(await h.flows.staffInput({ staffId: 'zhang-wei', text: '办结' })).toEqual({
      ok: true,
      action: 'resolve',
      conversationId: conversation.id,
    });
    expect(await rowOf(h, conversation.id)).toMatchObject({ state: 'resolved', closedAt: h.clock.now() });
    expect(h.gateway.citizen.at(-1)?.message).toMatchObject({ text: expect.stringContaining('是否已解决') });

    await h.say('v1', '１');
    expect((await events(h, conversation.id)).at(-1)).toMatchObject({
      type: 'resolution_feedback',
      data: { solved: true },
    });
    expect(
      await h.database.db.select().from(conversations).where(eq(conversations.citizenUserId, 'v1')),
    ).toHaveLength(1);
    expect(
      await h.flows.staffInput({ staffId: 'zhang-wei', text: '还在吗', conversationId: conversation.id }),
    ).toMatchObject({ ok: false, reason: 'closed' });
  });

  it('/resolve then “2 未解决” records it and reopens straight to a human', async () => {
    const { h } = harness;
    const conversation = await withZhang(h, 'v2');
    await h.flows.staffInput({ staffId: 'zhang-wei', text: '/resolve' });
    await h.say('v2', '未解决');
    expect((await events(h, conversation.id)).at(-1)).toMatchObject({
      type: 'resolution_feedback',
      data: { solved: false },
    });
    const rows = await h.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, 'v2'));
    expect(rows.find((r) => r.id !== conversation.id)).toMatchObject({
      state: 'assigned',
      itemId: conversation.itemId,
      assigneeId: 'zhang-wei',
    });
  });

  it('/12345 writes the ticket into the outbox and closes as pushed_12345', async () => {
    const { h } = harness;
    const conversation = await withZhang(h, 'p1');
    await h.say('p1', '我要投诉审批太慢');
    expect(await h.flows.staffInput({ staffId: 'zhang-wei', text: '/12345 涉及跨部门协调' })).toMatchObject({
      ok: true,
      action: 'push_12345',
    });
    expect(await rowOf(h, conversation.id)).toMatchObject({ state: 'pushed_12345', closedAt: h.clock.now() });
    const tickets = await h.database.db.select().from(outbox);
    expect(tickets).toMatchObject([
      {
        kind: 'hotline12345.ticket',
        idempotencyKey: `hotline12345:${conversation.id}`,
        status: 'pending',
        payload: {
          code: conversation.code,
          reason: '涉及跨部门协调',
          itemName: '医疗机构制剂注册',
          staffId: 'zhang-wei',
          transcript: expect.arrayContaining([
            expect.objectContaining({ from: 'citizen', text: '我要投诉审批太慢' }),
          ]),
        },
      },
    ]);
    expect(h.gateway.textsTo('p1').at(-1)).toContain('12345');
    expect(
      await h.flows.staffInput({
        staffId: 'zhang-wei',
        text: '/12345 again',
        conversationId: conversation.id,
      }),
    ).toMatchObject({ ok: false, reason: 'closed' });
    expect(await h.database.db.select().from(outbox)).toHaveLength(1);
  });

  it('takes staff lines from work chat through the same door (WeCom identity → staff)', async () => {
    const { h } = harness;
    await withZhang(h, 'i1');
    await h.flows.handleInbound({
      channel: 'wecom',
      channelUserId: 'ZhangWei',
      senderRole: 'staff',
      externalId: 'wx-1',
      kind: 'text',
      text: '您好，请讲',
    });
    expect(h.gateway.textsTo('i1').at(-1)).toBe('您好，请讲');
    await h.flows.handleInbound({
      channel: 'wecom',
      channelUserId: 'Stranger',
      senderRole: 'staff',
      externalId: 'wx-2',
      kind: 'text',
      text: '/list',
    });
    expect(h.gateway.infoTo('zhang-wei')).toEqual([]);
  });
});

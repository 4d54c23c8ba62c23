import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { conversations } from '../../../src/storage/schema/index.ts';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { clearFlowTables, testConfig } from '../../flows/flow-harness.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { startWecomHarness, type WecomHarness } from './wecom-harness.ts';

const config = testConfig((raw) => {
  raw.sla.maxOpenPerHelper = 1;
});

const cardsTo = (h: WecomHarness, user: string) =>
  h.fake.delivered(user).filter((c) => c.body?.['msgtype'] === 'template_card');
const textsTo = (h: WecomHarness, user: string) =>
  h.fake
    .delivered(user)
    .filter((c) => c.body?.['msgtype'] === 'text')
    .map((c) => (c.body?.['text'] as { content: string }).content);

describe.each(backends)('WeCom channel end to end on %s', (backend) => {
  const test = useTestDatabase(backend);
  let h: WecomHarness;
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, config);
  });
  beforeEach(async () => {
    await clearFlowTables(test.database);
    h = await startWecomHarness(test.database, config);
  });
  afterEach(() => h.close());

  async function handOff(user: string) {
    await h.flows.handleInbound({
      channel: 'webchat',
      channelUserId: user,
      senderRole: 'citizen',
      externalId: `${user}-1`,
      kind: 'text',
      text: '转人工',
    });
    await h.flows.handleInbound({
      channel: 'webchat',
      channelUserId: user,
      senderRole: 'citizen',
      externalId: `${user}-2`,
      kind: 'text',
      text: '1',
    });
    await h.settle();
    const [row] = await test.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, user));
    return row!;
  }

  it('a handoff reaches the helper as a card with the item, question, wait and deadline; a plain reply reaches the citizen', async () => {
    const conversation = await handOff('citizen-a');
    expect(conversation.assigneeId).toBe('zhang-wei');
    const [card] = cardsTo(h, 'ZhangWei');
    const template = card!.body!['template_card'] as Record<string, unknown>;
    expect(template).toMatchObject({
      card_type: 'button_interaction',
      main_title: { title: `分配给您的咨询 #${conversation.code}`, desc: '医疗机构制剂注册' },
      button_list: [
        { text: '接单', key: `claim:${conversation.id}` },
        { text: '转派', key: `transfer:${conversation.id}` },
      ],
    });
    expect(JSON.stringify(template['horizontal_content_list'])).toMatch(/已等待.*回复期限/);

    const res = await h.post(h.staffText('ZhangWei', '您好，请问您要办理哪一类制剂？'));
    expect(res.status).toBe(200);
    await h.settle();
    expect(h.gateway.textsTo('citizen-a').at(-1)).toBe('您好，请问您要办理哪一类制剂？');
    const [after] = await test.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, conversation.id));
    expect(after!.state).toBe('active');
  });

  it('接单 on a card claims the queued question; both cards are rewritten', async () => {
    await handOff('citizen-a'); // → zhang-wei (capacity 1)
    await handOff('citizen-b'); // → li-na
    const queued = await handOff('citizen-c');
    expect(queued.state).toBe('queued');
    const zhangCard = cardsTo(h, 'ZhangWei').find((c) =>
      JSON.stringify(c.body).includes(`claim:${queued.id}`),
    );
    const liCard = cardsTo(h, 'LiNa').find((c) => JSON.stringify(c.body).includes(`claim:${queued.id}`));
    expect(zhangCard && liCard).toBeTruthy();
    // Zhang Wei's first conversation ends outside the flow, so he has room and the queue has not drained yet.
    await test.database.db
      .update(conversations)
      .set({ state: 'resolved' })
      .where(eq(conversations.citizenUserId, 'citizen-a'));

    const taskId = (zhangCard!.body!['template_card'] as { task_id: string }).task_id;
    const res = await h.post(h.cardClick('ZhangWei', `claim:${queued.id}`, taskId, 'rc-from-click'));
    expect(res.status).toBe(200);
    await h.settle();

    const [claimed] = await test.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, queued.id));
    expect(claimed).toMatchObject({ state: 'assigned', assigneeId: 'zhang-wei' });
    const updates = h.fake
      .callsTo('message/update_template_card')
      .map((c) => [c.body?.['userids'], c.body?.['button']]);
    expect(updates).toEqual(
      expect.arrayContaining([
        [['ZhangWei'], { replace_name: '已接单' }],
        [['LiNa'], { replace_name: '已由 张伟 接单' }],
      ]),
    );
    expect(
      h.fake
        .callsTo('message/update_template_card')
        .find((c) => (c.body?.['userids'] as string[])[0] === 'ZhangWei')?.body,
    ).toMatchObject({ response_code: 'rc-from-click' });
    expect(textsTo(h, 'ZhangWei').some((t) => t.includes(`已接单 #${queued.code}`))).toBe(true);
  });

  it('转派 on a card answers with how to transfer', async () => {
    const conversation = await handOff('citizen-a');
    await h.post(h.cardClick('ZhangWei', `transfer:${conversation.id}`, 'whatever'));
    await h.settle();
    expect(textsTo(h, 'ZhangWei').at(-1)).toContain(`转派 #${conversation.code}`);
  });

  it('reminders at 30 s and 50 s reach the helper and the item group with an @mention', async () => {
    const conversation = await handOff('citizen-a');
    await h.advance(30);
    await h.advance(20);
    const reminders = textsTo(h, 'ZhangWei').filter((t) => t.startsWith('⏰'));
    expect(reminders).toHaveLength(2);
    expect(reminders[0]).toContain(`#${conversation.code}`);
    const robot = h.fake.callsTo('webhook/send').map((c) => c.body);
    expect(robot.length).toBeGreaterThanOrEqual(2);
    expect(robot[0]).toMatchObject({ msgtype: 'text', text: { mentioned_list: ['ZhangWei'] } });
  });

  it('a member who is not on the rota is told so, and nothing is stored', async () => {
    const res = await h.post(h.staffText('SomeStranger', '你好'));
    expect(res.status).toBe(200);
    await h.settle();
    expect(textsTo(h, 'SomeStranger')).toEqual([expect.stringContaining('不在帮办值班名单')]);
    const inbox = await test.database.db.execute('select count(*)::int as n from inbox');
    expect((inbox as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
  });

  it('staff commands work from the app: /list answers with the open conversations', async () => {
    const conversation = await handOff('citizen-a');
    await h.post(h.staffText('ZhangWei', '/list'));
    await h.settle();
    expect(textsTo(h, 'ZhangWei').at(-1)).toContain(conversation.code);
  });

  it('app messages keep working through a WeCom outage (outbox retries)', async () => {
    h.fake.failNext('message/send', { status: 502 }, 6);
    const conversation = await handOff('citizen-a');
    expect(cardsTo(h, 'ZhangWei')).toHaveLength(0);
    h.clock.advance(10_000);
    await h.settle();
    expect(cardsTo(h, 'ZhangWei').some((c) => JSON.stringify(c.body).includes(conversation.id))).toBe(true);
  });
});

import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildXml } from '../../../adapters/wecom/xml.ts';
import { queryRows } from '../../../src/storage/database.ts';
import { conversations, wecomKfCursors } from '../../../src/storage/schema/index.ts';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { clearFlowTables, testConfig } from '../../flows/flow-harness.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { CORP_ID, startWecomHarness, type WecomHarness } from './wecom-harness.ts';

/** TARGETS.md R2: WeCom retries 3× (5 s without a 200); every copy, also concurrent, does nothing twice. */
describe.each(backends)('WeCom callbacks delivered 3× on %s', (backend) => {
  const test = useTestDatabase(backend);
  const config = testConfig((raw) => {
    raw.sla.maxOpenPerHelper = 1;
  });
  let h: WecomHarness;
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, config);
  });
  beforeEach(async () => {
    await clearFlowTables(test.database);
    await test.database.db.delete(wecomKfCursors);
    h = await startWecomHarness(test.database, config);
  });
  afterEach(() => h.close());

  const count = async (table: 'inbox' | 'outbox') =>
    (
      await queryRows<{ n: number }>(test.database.db, sql`select count(*)::int as n from ${sql.raw(table)}`)
    )[0]!.n;
  /** Three copies at once, then three more one after another (WeCom's retries may overlap a slow ack). */
  const deliver3x = async (xml: string) => {
    const statuses = (await Promise.all([h.post(xml), h.post(xml), h.post(xml)])).map((r) => r.status);
    for (let i = 0; i < 3; i += 1) statuses.push((await h.post(xml)).status);
    await h.settle();
    return statuses;
  };
  const handOff = async (user: string) => {
    for (const [i, text] of ['转人工', '1'].entries())
      await h.flows.handleInbound({
        channel: 'webchat',
        channelUserId: user,
        senderRole: 'citizen',
        externalId: `${user}-${i}`,
        kind: 'text',
        text,
      });
    await h.settle();
    const [row] = await test.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, user));
    return row!;
  };

  it('a helper’s reply: one inbox row, one message to the citizen', async () => {
    const conversation = await handOff('dup-a');
    const inboxBefore = await count('inbox');
    const statuses = await deliver3x(h.staffText('ZhangWei', '请上传申请表', '4561255354251345929'));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await count('inbox')).toBe(inboxBefore + 1);
    expect(h.gateway.textsTo('dup-a').filter((t) => t === '请上传申请表')).toHaveLength(1);
    const transcript = await h.flows.transcript(conversation.id);
    expect(transcript.filter((m) => m.body === '请上传申请表')).toHaveLength(1);
  });

  it('a 接单 click: one claim, one confirmation, one card rewrite per person', async () => {
    await handOff('dup-a');
    await handOff('dup-b');
    const queued = await handOff('dup-c');
    await test.database.db
      .update(conversations)
      .set({ state: 'resolved' })
      .where(eq(conversations.citizenUserId, 'dup-a'));
    const card = h.fake
      .delivered('ZhangWei')
      .find((c) => JSON.stringify(c.body).includes(`claim:${queued.id}`))!;
    const taskId = (card.body!['template_card'] as { task_id: string }).task_id;
    const click = buildXml({
      ToUserName: CORP_ID,
      FromUserName: 'ZhangWei',
      CreateTime: 1764208800,
      MsgType: 'event',
      Event: 'template_card_event',
      EventKey: `claim:${queued.id}`,
      TaskId: taskId,
      CardType: 'button_interaction',
      ResponseCode: 'rc-dup',
      AgentID: 1000002,
    });
    await deliver3x(click);
    const claimedTexts = h.fake
      .delivered('ZhangWei')
      .map((c) => JSON.stringify(c.body))
      .filter((t) => t.includes(`已接单 #${queued.code}`));
    expect(claimedTexts).toHaveLength(1);
    const updates = h.fake.callsTo('message/update_template_card');
    expect(updates.filter((c) => (c.body?.['userids'] as string[])[0] === 'ZhangWei')).toHaveLength(1);
    expect(updates.filter((c) => (c.body?.['userids'] as string[])[0] === 'LiNa')).toHaveLength(1);
  });

  it('a 微信客服 push: one sync job, one conversation, one message and one notification', async () => {
    h.fake.pushKf({
      open_kfid: 'wkdup',
      external_userid: 'ext-dup',
      msgtype: 'text',
      text: { content: '转人工' },
    });
    const push = buildXml({
      ToUserName: CORP_ID,
      CreateTime: 1,
      MsgType: 'event',
      Event: 'kf_msg_or_event',
      Token: 'TOKENDUP',
      OpenKfId: 'wkdup',
    });
    await deliver3x(push);
    expect(h.fake.callsTo('kf/sync_msg')).toHaveLength(1);
    // A second push re-reads from the stored cursor: nothing new, nothing repeated.
    await deliver3x(push.replace('TOKENDUP', 'TOKENDUP2'));
    const rows = await test.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, 'ext-dup'));
    expect(rows).toHaveLength(1);
    const transcript = await h.flows.transcript(rows[0]!.id);
    expect(transcript.filter((m) => m.direction === 'in')).toHaveLength(1);
  });
});

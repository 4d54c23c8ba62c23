import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildXml } from '../../../adapters/wecom/xml.ts';
import { conversations, wecomKfCursors } from '../../../src/storage/schema/index.ts';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { clearFlowTables, testConfig } from '../../flows/flow-harness.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { CORP_ID, startWecomHarness, type WecomHarness } from './wecom-harness.ts';

const config = testConfig();
const OPEN_KF = 'wkbangban';

const kfEvent = (token: string) =>
  buildXml({
    ToUserName: CORP_ID,
    CreateTime: 1348831860,
    MsgType: 'event',
    Event: 'kf_msg_or_event',
    Token: token,
    OpenKfId: OPEN_KF,
  });

const kfSends = (h: WecomHarness, user: string) =>
  h.fake
    .callsTo('kf/send_msg')
    .filter((c) => c.body?.['touser'] === user && c.errcode === 0)
    .map((c) => c.body!);

describe.each(backends)('微信客服 (wecom_kf) on %s', (backend) => {
  const test = useTestDatabase(backend);
  let h: WecomHarness;
  let tokens = 0;
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, config);
  });
  beforeEach(async () => {
    await clearFlowTables(test.database);
    await test.database.db.delete(wecomKfCursors);
    h = await startWecomHarness(test.database, config);
  });
  afterEach(() => h.close());

  const citizenWrites = async (user: string, item: Parameters<WecomHarness['fake']['pushKf']>[0]) => {
    h.fake.pushKf({ open_kfid: OPEN_KF, external_userid: user, ...item });
    const res = await h.post(kfEvent(`TOKEN${++tokens}`));
    expect(res.status).toBe(200);
    await h.settle();
  };

  it('pulls messages with the callback token, persists the cursor, and answers with a menu for choices', async () => {
    await citizenWrites('ext-1', { msgtype: 'text', text: { content: '转人工' } });
    const sync = h.fake.callsTo('kf/sync_msg');
    expect(sync[0]!.body).toMatchObject({ open_kfid: OPEN_KF, token: `TOKEN${tokens}` });
    const [cursor] = await test.database.db.select().from(wecomKfCursors);
    expect(cursor).toMatchObject({ openKfId: OPEN_KF, cursor: '1' });

    const [menu] = kfSends(h, 'ext-1');
    expect(menu).toMatchObject({ open_kfid: OPEN_KF, msgtype: 'msgmenu' });
    const list = (menu!['msgmenu'] as { list: { click: { id: string } }[] }).list;
    expect(list[0]!.click.id).toBe('item:preparation-registration');

    // The citizen taps the first choice: WeCom sends it back as text with the menu id.
    await citizenWrites('ext-1', {
      msgtype: 'text',
      text: { content: '1 医疗机构制剂注册', menu_id: 'item:preparation-registration' },
    });
    const [row] = await test.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, 'ext-1'));
    expect(row).toMatchObject({
      channel: 'wecom_kf',
      itemId: 'preparation-registration',
      assigneeId: 'zhang-wei',
    });
    // The next sync continues after the stored cursor.
    expect(h.fake.callsTo('kf/sync_msg').at(-1)!.body).toMatchObject({ cursor: '1' });
  });

  it('the helper’s WeCom reply reaches the citizen through kf/send_msg; only 5 per citizen message, then the helper is told', async () => {
    await citizenWrites('ext-2', { msgtype: 'text', text: { content: '转人工' } });
    const beforeChoice = kfSends(h, 'ext-2').length;
    await citizenWrites('ext-2', { msgtype: 'text', text: { content: '1' } });
    const botAnswers = kfSends(h, 'ext-2').length - beforeChoice; // they count too
    for (let i = 1; i <= 6 - botAnswers; i += 1) await h.post(h.staffText('ZhangWei', `答复 ${i}`));
    await h.settle();
    expect(kfSends(h, 'ext-2').length - beforeChoice).toBe(5);
    const told = h.fake.delivered('ZhangWei').map((c) => JSON.stringify(c.body));
    expect(told.some((t) => t.includes('最多可回复 5 条'))).toBe(true);
    expect(h.fake.callsTo('kf/send_msg').every((c) => c.errcode === 0)).toBe(true);

    // The citizen writes again: the window reopens.
    await citizenWrites('ext-2', { msgtype: 'text', text: { content: '好的，谢谢' } });
    await h.post(h.staffText('ZhangWei', '不客气'));
    await h.settle();
    expect(kfSends(h, 'ext-2').at(-1)).toMatchObject({ msgtype: 'text', text: { content: '不客气' } });
  });

  it('no reply after 48 h of silence', async () => {
    await citizenWrites('ext-3', { msgtype: 'text', text: { content: '转人工' } });
    await citizenWrites('ext-3', { msgtype: 'text', text: { content: '1' } });
    const before = kfSends(h, 'ext-3').length;
    h.clock.advance(48 * 3600_000 + 1000);
    await h.post(h.staffText('ZhangWei', '您好，还在吗？'));
    await h.settle();
    expect(kfSends(h, 'ext-3')).toHaveLength(before);
  });

  it('citizen media WeCom no longer serves (40007) goes on without its bytes, keeping the media id', async () => {
    await citizenWrites('ext-4', { msgtype: 'image', image: { media_id: 'MEDIA_IMG_1' } });
    const [row] = await test.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, 'ext-4'));
    const transcript = await h.flows.transcript(row!.id);
    expect(transcript.find((m) => m.direction === 'in')).toMatchObject({
      kind: 'image',
      mediaRef: 'wecom_kf:MEDIA_IMG_1',
    });
  });

  it('a citizen’s image during a human conversation reaches the helper as an image', async () => {
    await citizenWrites('ext-5', { msgtype: 'text', text: { content: '转人工' } });
    await citizenWrites('ext-5', { msgtype: 'text', text: { content: '1' } });
    await citizenWrites('ext-5', { msgtype: 'image', image: { media_id: 'MEDIA_IMG_2' } });
    const images = h.fake.delivered('ZhangWei').filter((c) => c.body?.['msgtype'] === 'image');
    expect(images.map((c) => c.body?.['image'])).toEqual([{ media_id: 'MEDIA_IMG_2' }]);
  });

  it('a citizen who only opened the chat is welcomed with the event’s welcome_code', async () => {
    h.fake.pushKf({
      open_kfid: OPEN_KF,
      origin: 4,
      msgtype: 'event',
      event: {
        event_type: 'enter_session',
        external_userid: 'ext-6',
        welcome_code: 'WELCOME6',
        scene_param: 'item:preparation-registration',
      },
    });
    await h.post(kfEvent(`TOKEN${++tokens}`));
    await h.settle();
    const [welcome] = h.fake.callsTo('kf/send_msg_on_event');
    expect(welcome).toMatchObject({ errcode: 0, body: { code: 'WELCOME6' } });
    expect(welcome!.body).not.toHaveProperty('touser');
    const [row] = await test.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, 'ext-6'));
    expect(row).toMatchObject({ channel: 'wecom_kf', itemId: 'preparation-registration' });
  });
});

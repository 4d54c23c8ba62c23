import { and, desc, eq, sql } from 'drizzle-orm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listUndelivered } from '../../../adapters/wechat-oa/customer-window.ts';
import { queryRows } from '../../../src/storage/database.ts';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { conversations, wechatOaCitizens } from '../../../src/storage/schema/index.ts';
import { clearFlowTables, PREP, testConfig } from '../../flows/flow-harness.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { replyText, startOaHarness, type Mode, type OaHarness } from './wechat-oa-harness.ts';

const config = testConfig();
const MODES: Mode[] = ['plaintext', 'compatible', 'safe'];

describe.each(backends)('WeChat Official Account callbacks on %s', (backend) => {
  const test = useTestDatabase(backend);
  let h: OaHarness;
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, config);
  });
  beforeEach(async () => {
    await clearFlowTables(test.database);
    await test.database.db.execute(sql`truncate table wechat_oa_citizens, wechat_oa_undelivered`);
    h = await startOaHarness(test.database, config);
  });
  afterEach(() => h.close());

  const inboxCount = async () =>
    Number(
      (
        await queryRows<{ n: string }>(
          test.database.db,
          sql`select count(*) as n from inbox where channel = 'wechat_oa'`,
        )
      )[0]!.n,
    );
  /** The citizen's latest conversation (in any state). */
  const conversationOf = async (openId: string) => {
    const [row] = await test.database.db
      .select({ id: conversations.id })
      .from(conversations)
      .where(and(eq(conversations.channel, 'wechat_oa'), eq(conversations.citizenUserId, openId)))
      .orderBy(desc(conversations.createdAt))
      .limit(1);
    return row ? (await h.flows.getConversation(row.id))! : null;
  };
  /** Posts without waiting, runs the outbox until the push's job exists, then lets everything finish. */
  const postAndSettle = async (...args: Parameters<OaHarness['post']>) => {
    const pending = h.post(...args);
    for (let i = 0; i < 200 && (await h.outbox.runNow()) === 0; i += 1)
      await new Promise((r) => setTimeout(r, 5));
    await h.settle();
    return pending;
  };

  it.each(MODES)('answers a KB question with a passive reply in %s mode', async (mode) => {
    const response = await h.post(h.text('o-kb', '医疗机构制剂注册需要哪些材料'), { mode });
    expect(response.status).toBe(200);
    const body = await response.text();
    if (mode !== 'plaintext') expect(body).toContain('<Encrypt>');
    const text = replyText(body, mode);
    expect(text).toContain('医疗机构制剂注册需提交申请表');
    await h.settle();
    // The answer went back passively: nothing through the custom-message API.
    expect(h.fake.callsTo('message/custom/send')).toHaveLength(0);
    expect(await inboxCount()).toBe(1);
  });

  it('answers in the JSON push format too, encrypted or not', async () => {
    for (const mode of ['plaintext', 'safe'] as const) {
      const response = await h.post(h.text(`o-json-${mode}`, '医疗机构制剂注册需要什么'), {
        mode,
        format: 'json',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('json');
      expect(replyText(await response.text(), mode, 'json')).toContain('医疗机构制剂注册需提交申请表');
    }
  });

  it('keeps a 64-bit MsgId exact from a JSON push', async () => {
    const fields = h.text('o-bigid', '你好');
    const json = JSON.stringify({ ...fields, MsgId: 0 }).replace('"MsgId":0', '"MsgId":4561255354251345929');
    const response = await h.post(json, { format: 'json' });
    expect(response.status).toBe(200);
    const rows = await queryRows<{ external_id: string }>(
      test.database.db,
      sql`select external_id from inbox where channel = 'wechat_oa'`,
    );
    expect(rows.map((r) => r.external_id)).toEqual(['4561255354251345929']);
  });

  it('stores a message delivered three times once and answers each retry with success', async () => {
    const fields = h.text('o-dup', '医疗机构制剂注册需要哪些材料');
    const first = await h.post(fields, { mode: 'safe' });
    expect(replyText(await first.text(), 'safe')).toContain('申请表');
    for (let i = 0; i < 2; i += 1) {
      const again = await h.post(fields, { mode: 'safe' });
      expect(again.status).toBe(200);
      expect(await again.text()).toBe('success');
    }
    await h.settle();
    expect(await inboxCount()).toBe(1);
    const conversation = await conversationOf('o-dup');
    const transcript = await h.flows.transcript(conversation!.id);
    expect(transcript.filter((m) => m.direction === 'in')).toHaveLength(1);
    expect(h.fake.callsTo('message/custom/send')).toHaveLength(0);
  });

  it('dedupes events on FromUserName + CreateTime, also concurrently', async () => {
    const click = h.event('o-evt', 'CLICK', `item:${PREP}`);
    const responses = await Promise.all([h.post(click), h.post(click), h.post(click)]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    const texts = await Promise.all(responses.map((r) => r.text()));
    expect(texts.filter((t) => t !== 'success')).toHaveLength(1);
    await h.settle();
    expect(await inboxCount()).toBe(1);
  });

  it('relays a later helper reply by custom send, inside the window', async () => {
    const openId = 'o-human';
    // 转人工 without an item: the bot asks which item; the menu click picks it and hands off.
    const asked = replyText(await (await h.post(h.text(openId, '转人工'))).text(), 'plaintext');
    expect(asked).toContain('请问您咨询的是哪个事项');
    expect(asked).toContain('1 医疗机构制剂注册');
    const picked = replyText(
      await (await h.post(h.event(openId, 'CLICK', `item:${PREP}`))).text(),
      'plaintext',
    );
    expect(picked).toMatch(/转接|帮办/);
    await h.settle();
    const conversation = (await h.flows.listOpen({ all: true })).find((c) => c.channel === 'wechat_oa')!;
    expect(conversation.itemId).toBe(PREP);
    expect(conversation.assigneeId).not.toBeNull();
    const result = await h.flows.staffInput({
      staffId: conversation.assigneeId!,
      text: '您好，我是帮办人员，请问具体是哪个环节？',
      conversationId: conversation.id,
    });
    expect(result.ok).toBe(true);
    await h.settle();
    const sent = h.fake.sent(openId);
    expect(sent).toEqual([
      { touser: openId, msgtype: 'text', text: { content: '您好，我是帮办人员，请问具体是哪个环节？' } },
    ]);
  });

  it('tells the helper and records it when the 48 h window has closed', async () => {
    const openId = 'o-late';
    await h.post(h.text(openId, '转人工'));
    await h.post(h.event(openId, 'CLICK', `item:${PREP}`));
    await h.settle();
    const conversation = (await h.flows.listOpen({ all: true })).find((c) => c.channel === 'wechat_oa')!;
    h.clock.advance(49 * 3600_000);
    await h.flows.staffInput({
      staffId: conversation.assigneeId!,
      text: '还在吗？',
      conversationId: conversation.id,
    });
    await h.settle();
    expect(h.fake.callsTo('message/custom/send')).toHaveLength(0);
    const [record] = await listUndelivered(test.database.db, conversation.id);
    expect(record).toMatchObject({ reason: 'window_closed', openId, messageKind: 'text' });
    const infos = h.gateway.notificationsOf('info').filter((n) => n.staffId === conversation.assigneeId);
    expect(infos.map((n) => n.notification.text).join()).toContain('48 小时');
  });

  it('sends at most 5 custom messages per citizen message', async () => {
    const openId = 'o-quota';
    await h.post(h.text(openId, '转人工'));
    await h.post(h.event(openId, 'CLICK', `item:${PREP}`));
    await h.settle();
    const conversation = (await h.flows.listOpen({ all: true })).find((c) => c.channel === 'wechat_oa')!;
    // The citizen writes once more (a fresh window of 5), then the helper sends 6.
    await h.post(h.text(openId, '好的'));
    await h.settle();
    for (let i = 1; i <= 6; i += 1)
      await h.flows.staffInput({
        staffId: conversation.assigneeId!,
        text: `第${i}条`,
        conversationId: conversation.id,
      });
    await h.settle();
    expect(h.fake.sent(openId).map((m) => (m['text'] as { content: string }).content)).toEqual([
      '第1条',
      '第2条',
      '第3条',
      '第4条',
      '第5条',
    ]);
    expect(h.fake.calls.filter((c) => c.errcode === 45047)).toHaveLength(0);
    const records = await listUndelivered(test.database.db, conversation.id);
    expect(records.map((r) => r.reason)).toEqual(['reply_limit']);
  });

  it('records what WeChat itself refuses (45015) and does not retry it', async () => {
    const openId = 'o-refused';
    await h.post(h.text(openId, '转人工'));
    await h.post(h.event(openId, 'CLICK', `item:${PREP}`));
    await h.settle();
    const conversation = (await h.flows.listOpen({ all: true })).find((c) => c.channel === 'wechat_oa')!;
    h.fake.failNext('message/custom/send', { errcode: 45015, errmsg: 'response out of time limit' });
    await h.flows.staffInput({
      staffId: conversation.assigneeId!,
      text: '请稍等',
      conversationId: conversation.id,
    });
    await h.settle();
    await h.advance(60);
    expect(h.fake.callsTo('message/custom/send')).toHaveLength(1);
    const [record] = await listUndelivered(test.database.db, conversation.id);
    expect(record).toMatchObject({ reason: 'api_refused', errcode: 45015 });
  });

  it('welcomes a new follower with the menu hint and opens a 1-minute window', async () => {
    const response = await h.post(h.event('o-sub', 'subscribe'), { mode: 'safe' });
    const text = replyText(await response.text(), 'safe');
    expect(text).toContain('您好，我是小申');
    expect(text).toContain(config.wechatOa.subscribeHint);
    const [row] = await test.database.db
      .select()
      .from(wechatOaCitizens)
      .where(eq(wechatOaCitizens.openId, 'o-sub'));
    expect(row).toMatchObject({ repliesLeft: 3 });
    expect(row!.windowUntil.getTime() - h.clock.now().getTime()).toBeLessThanOrEqual(60_000 + 5_000);
  });

  it('marks an unsubscribed citizen unreachable', async () => {
    await h.post(h.text('o-unsub', '你好'));
    const response = await h.post(h.event('o-unsub', 'unsubscribe'));
    expect(await response.text()).toBe('success');
    const [row] = await test.database.db
      .select()
      .from(wechatOaCitizens)
      .where(eq(wechatOaCitizens.openId, 'o-unsub'));
    expect(row!.unsubscribedAt).not.toBeNull();
  });

  it('fetches a citizen image into the media store and hands it to the helper as media:<id>', async () => {
    const openId = 'o-img';
    h.fake.media.set('citizen-photo-1', {
      data: Buffer.from('\xff\xd8\xff-fake-jpeg', 'latin1'),
      contentType: 'image/jpeg',
      fileName: 'photo.jpg',
    });
    h.fake.citizenWrote(openId);
    const response = await postAndSettle({
      ToUserName: 'gh_7f083739789a',
      FromUserName: openId,
      CreateTime: Number(h.now()),
      MsgType: 'image',
      PicUrl: 'http://mmbiz.qpic.cn/x',
      MediaId: 'citizen-photo-1',
      MsgId: '6400000000000000001',
    });
    expect(response.status).toBe(200);
    // Fetched and handed to the flows within the wait: the bot's words went back passively.
    expect(replyText(await response.text(), 'plaintext')).toContain('图片');
    const conversation = (await conversationOf(openId))!;
    const [image] = (await h.flows.transcript(conversation.id)).filter((m) => m.kind === 'image');
    expect(image!.mediaRef).toMatch(/^media:/);
    const stored = await h.media.get(image!.mediaRef!);
    expect(stored?.bytes.toString('latin1')).toBe('\xff\xd8\xff-fake-jpeg');
    expect(stored?.contentType).toBe('image/jpeg');
    expect(h.fake.callsTo('media/get')).toHaveLength(1);
  });

  it('downloads a citizen video through the video_url media/get answers with', async () => {
    const openId = 'o-video';
    h.fake.media.set('citizen-video-1', {
      data: Buffer.from('fake-mp4'),
      contentType: 'video/mp4',
      fileName: 'v.mp4',
    });
    h.fake.citizenWrote(openId);
    await postAndSettle({
      ToUserName: 'gh_7f083739789a',
      FromUserName: openId,
      CreateTime: Number(h.now()),
      MsgType: 'shortvideo',
      MediaId: 'citizen-video-1',
      ThumbMediaId: 'thumb',
      MsgId: '6400000000000000002',
    });
    await h.settle();
    const conversation = (await conversationOf(openId))!;
    const [video] = (await h.flows.transcript(conversation.id)).filter((m) => m.kind === 'video');
    expect((await h.media.get(video!.mediaRef!))?.bytes.toString()).toBe('fake-mp4');
  });

  it("sends a helper's image back with media/upload and a custom image message", async () => {
    const openId = 'o-helper-img';
    await h.post(h.text(openId, '转人工'));
    await h.post(h.event(openId, 'CLICK', `item:${PREP}`));
    await h.settle();
    const conversation = (await h.flows.listOpen({ all: true })).find((c) => c.channel === 'wechat_oa')!;
    const ref = await h.media.put({
      bytes: Buffer.from('png-bytes'),
      contentType: 'image/png',
      fileName: 'form.png',
    });
    await h.channel.citizenSender.sendToCitizen(
      { channel: 'wechat_oa', citizenUserId: openId, conversationId: conversation.id },
      { kind: 'image', mediaRef: ref },
    );
    await h.settle();
    const [upload] = h.fake.callsTo('media/upload');
    expect(upload!.query['type']).toBe('image');
    const [sent] = h.fake.sent(openId);
    const mediaId = (sent!['image'] as { media_id: string }).media_id;
    expect(h.fake.media.get(mediaId)?.data.toString()).toBe('png-bytes');
  });

  it('accepts voice with Recognition as a question for the bot', async () => {
    h.fake.media.set('voice-1', { data: Buffer.from('amr'), contentType: 'audio/amr', fileName: 'v.amr' });
    h.fake.citizenWrote('o-voice');
    const response = await postAndSettle({
      ToUserName: 'gh_7f083739789a',
      FromUserName: 'o-voice',
      CreateTime: Number(h.now()),
      MsgType: 'voice',
      MediaId: 'voice-1',
      Format: 'amr',
      Recognition: '医疗机构制剂注册需要哪些材料',
      MsgId: '6400000000000000003',
    });
    // The bot's answer to the recognised speech comes back passively once the media is stored.
    expect(replyText(await response.text(), 'plaintext')).toContain('申请表');
    const [voice] = (await h.flows.transcript((await conversationOf('o-voice'))!.id)).filter(
      (m) => m.kind === 'voice',
    );
    expect(voice).toMatchObject({ body: '医疗机构制剂注册需要哪些材料' });
    expect(voice!.mediaRef).toMatch(/^media:/);
  });

  it('acknowledges an unknown event with success and a log line, storing nothing', async () => {
    const response = await h.post(h.event('o-unknown', 'TEMPLATESENDJOBFINISH'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('success');
    expect(await inboxCount()).toBe(0);
    expect(
      h.app.records().some((l) => l['msg'] === 'WeChat Official Account push acknowledged without action'),
    ).toBe(true);
  });

  it('answers success when nothing is ready in time, and the late answer goes by custom send', async () => {
    const openId = 'o-slow';
    await h.post(h.text(openId, '转人工'));
    await h.post(h.event(openId, 'CLICK', `item:${PREP}`));
    await h.settle();
    // With a human: the citizen's message is relayed to the helper, nothing to say back now.
    const response = await h.post(h.text(openId, '我的材料已经准备好了'));
    expect(await response.text()).toBe('success');
    expect(h.channel.passive.size).toBe(0);
  });

  it('sends an answer that misses the wait by custom send: once, never also passively', async () => {
    const openId = 'o-missed';
    h.fake.media.set('late-photo', {
      data: Buffer.from('jpeg'),
      contentType: 'image/jpeg',
      fileName: 'p.jpg',
    });
    h.fake.citizenWrote(openId);
    // The outbox (media download) only runs after the callback gave up waiting.
    const response = await h.post({
      ToUserName: 'gh_7f083739789a',
      FromUserName: openId,
      CreateTime: Number(h.now()),
      MsgType: 'image',
      MediaId: 'late-photo',
      MsgId: '6400000000000000009',
    });
    expect(await response.text()).toBe('success');
    await h.settle();
    const texts = h.fake.sent(openId).map((m) => (m['text'] as { content: string }).content);
    expect(texts.filter((t) => t.includes('图片'))).toHaveLength(1);
    const transcript = await h.flows.transcript((await conversationOf(openId))!.id);
    const out = transcript.filter((m) => m.direction === 'out').map((m) => m.body);
    // Everything the flows said reached WeChat exactly once (choices as numbered lines).
    expect(texts.map((t) => t.split('\n')[0])).toEqual(out);
  });
});

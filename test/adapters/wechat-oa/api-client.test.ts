import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WechatApiClient } from '../../../adapters/wechat-oa/api-client.ts';
import { WechatApiError, WechatNetworkError } from '../../../adapters/wechat-oa/api-errors.ts';
import { ManualClock } from '../../../src/clock.ts';
import { startFakeWechat, type FakeWechat } from '../../fakes/wechat/fake-wechat-server.ts';

describe('WechatApiClient against the loopback fake', () => {
  let fake: FakeWechat;
  let clock: ManualClock;
  const client = (options: Partial<ConstructorParameters<typeof WechatApiClient>[0]> = {}) =>
    new WechatApiClient({
      apiBase: fake.url,
      appId: fake.appId,
      appSecret: fake.secret,
      clock,
      sleep: async () => {},
      ...options,
    });
  beforeEach(async () => {
    clock = new ManualClock('2026-11-27T02:00:00Z');
    fake = await startFakeWechat({ now: () => clock.now().getTime() });
  });
  afterEach(() => fake.close());

  it('fetches one stable_token for concurrent calls and caches it', async () => {
    const api = client();
    fake.citizenWrote('o1');
    await Promise.all(
      [1, 2, 3].map((n) => api.sendCustom({ touser: 'o1', msgtype: 'text', text: { content: `m${n}` } })),
    );
    await api.sendCustom({ touser: 'o1', msgtype: 'text', text: { content: 'm4' } });
    expect(fake.callsTo('stable_token')).toHaveLength(1);
    expect(fake.callsTo('stable_token')[0]!.body).toMatchObject({
      grant_type: 'client_credential',
      force_refresh: false,
    });
    expect(fake.sent('o1')).toHaveLength(4);
  });

  it('uses cgi-bin/token when told to', async () => {
    await client({ tokenApi: 'token' }).createMenu([{ type: 'click', name: '转人工', key: 'handoff' }]);
    expect(fake.callsTo('token')).toHaveLength(1);
    expect(fake.callsTo('stable_token')).toHaveLength(0);
  });

  it.each([40001, 40014, 42001])(
    'refreshes the token once after %i and repeats the call',
    async (errcode) => {
      const api = client();
      fake.citizenWrote('o2');
      await api.sendCustom({ touser: 'o2', msgtype: 'text', text: { content: 'a' } });
      fake.failNext('message/custom/send', { errcode });
      await api.sendCustom({ touser: 'o2', msgtype: 'text', text: { content: 'b' } });
      const tokenCalls = fake.callsTo('stable_token');
      expect(tokenCalls).toHaveLength(2);
      expect(tokenCalls[1]!.body).toMatchObject({ force_refresh: true });
      expect(fake.sent('o2')).toHaveLength(2);
    },
  );

  it('refreshes after the token expired on the platform side', async () => {
    const api = client({ tokenApi: 'token' });
    fake.citizenWrote('o3');
    await api.sendCustom({ touser: 'o3', msgtype: 'text', text: { content: 'a' } });
    fake.expireTokens();
    await api.sendCustom({ touser: 'o3', msgtype: 'text', text: { content: 'b' } });
    expect(fake.callsTo('token')).toHaveLength(2);
  });

  it('classifies errors: window closed is final, busy and 5xx are retried', async () => {
    const api = client();
    await expect(
      api.sendCustom({ touser: 'never-wrote', msgtype: 'text', text: { content: 'x' } }),
    ).rejects.toMatchObject({
      name: 'WechatApiError',
      errcode: 45015,
      retryable: false,
    });
    fake.citizenWrote('o4');
    fake.failNext('message/custom/send', { errcode: -1 });
    fake.failNext('message/custom/send', { status: 502 });
    await api.sendCustom({ touser: 'o4', msgtype: 'text', text: { content: 'x' } });
    expect(fake.sent('o4')).toHaveLength(1);
    fake.failNext('message/custom/send', { status: 503 }, 3);
    const failed = api.sendCustom({ touser: 'o4', msgtype: 'text', text: { content: 'y' } });
    await expect(failed).rejects.toBeInstanceOf(WechatNetworkError);
    await expect(failed).rejects.toMatchObject({ retryable: true, status: 503 });
  });

  it('enforces 5 custom messages per citizen message on the fake (45047)', async () => {
    const api = client();
    fake.citizenWrote('o5');
    for (let i = 0; i < 5; i += 1)
      await api.sendCustom({ touser: 'o5', msgtype: 'text', text: { content: `${i}` } });
    await expect(
      api.sendCustom({ touser: 'o5', msgtype: 'text', text: { content: '6' } }),
    ).rejects.toMatchObject({
      errcode: 45047,
    });
    clock.advance(49 * 3600_000);
    fake.citizenWrote('o5');
    await api.sendCustom({ touser: 'o5', msgtype: 'text', text: { content: 'again' } });
  });

  it('uploads media, sends it and a news card, and downloads media (video via video_url)', async () => {
    const api = client();
    const mediaId = await api.uploadMedia('image', {
      data: Buffer.from('img'),
      contentType: 'image/png',
      fileName: 'a.png',
    });
    expect(fake.media.get(mediaId)).toMatchObject({ type: 'image', fileName: 'a.png' });
    fake.citizenWrote('o6');
    await api.sendCustom({ touser: 'o6', msgtype: 'image', image: { media_id: mediaId } });
    await api.sendCustom({
      touser: 'o6',
      msgtype: 'news',
      news: { articles: [{ title: '办事指南', url: 'https://zwdt.sh.gov.cn/', description: '一网通办' }] },
    });
    expect(fake.sent('o6').map((m) => m['msgtype'])).toEqual(['image', 'news']);
    expect(await api.getMedia(mediaId)).toMatchObject({ contentType: 'image/png', fileName: 'a.png' });
    fake.media.set('vid', { data: Buffer.from('mp4'), contentType: 'video/mp4', fileName: 'v.mp4' });
    const video = await api.getMedia('vid');
    expect(video.data.toString()).toBe('mp4');
    await expect(api.getMedia('missing')).rejects.toBeInstanceOf(WechatApiError);
  });

  it('creates the menu; the fake checks WeChat limits', async () => {
    const api = client();
    await api.createMenu([
      {
        name: '咨询事项',
        sub_button: [{ type: 'click', name: '医疗机构制剂注册', key: 'item:preparation-registration' }],
      },
      { type: 'view', name: '办事指南', url: 'https://zwdt.sh.gov.cn/' },
    ]);
    expect(fake.menu).toMatchObject({ button: [{ name: '咨询事项' }, { name: '办事指南' }] });
    await expect(
      api.createMenu([{ type: 'click', name: '一个超过十六字节的菜单名', key: 'k' }]),
    ).rejects.toMatchObject({
      errcode: 40017,
    });
  });
});

import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WecomApiError, WecomNetworkError } from '../../../adapters/wecom/api-errors.ts';
import { WecomApiClient } from '../../../adapters/wecom/api-client.ts';
import { ManualClock } from '../../../src/clock.ts';
import { startFakeWecom, type FakeWecom } from '../../fakes/wecom/fake-wecom-server.ts';

const CORP = 'wwtestcorp';
const sleeps: number[] = [];

function clientFor(
  fake: { url: string },
  clock = new ManualClock('2026-11-27T02:00:00Z'),
  secret = 'app-secret',
) {
  return new WecomApiClient({
    apiBase: fake.url,
    corpId: CORP,
    agentId: 1000002,
    secret,
    kfSecret: 'kf-secret',
    clock,
    timeoutMs: 2000,
    sleep: async (ms) => void sleeps.push(ms),
  });
}

describe('WecomApiClient against the fake WeCom API', () => {
  let fake: FakeWecom;
  beforeAll(async () => {
    fake = await startFakeWecom({ corpId: CORP, robotKeys: ['robot-1'] });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.calls.length = 0;
    sleeps.length = 0;
  });

  it('fetches one token for concurrent calls and reuses it (single flight)', async () => {
    const client = clientFor(fake);
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        client.sendMessage({ touser: `u${i}`, msgtype: 'text', text: { content: 'hi' } }),
      ),
    );
    expect(fake.callsTo('gettoken')).toHaveLength(1);
    expect(fake.callsTo('message/send')).toHaveLength(5);
    expect(fake.callsTo('message/send')[0]!.body).toMatchObject({ agentid: 1000002, touser: 'u0' });
  });

  it('keeps separate tokens for the app and 微信客服 secrets', async () => {
    const client = clientFor(fake);
    await client.sendMessage({ touser: 'u1', msgtype: 'text', text: { content: 'a' } });
    await client.kfServiceState('wk1', 'ext1');
    const secrets = fake.callsTo('gettoken').map((c) => c.query['corpsecret']);
    expect(secrets.sort()).toEqual(['app-secret', 'kf-secret']);
  });

  it('refreshes the token once when WeCom says it expired (42001) and succeeds', async () => {
    const client = clientFor(fake);
    await client.sendMessage({ touser: 'u1', msgtype: 'text', text: { content: 'a' } });
    fake.expireTokens();
    await client.sendMessage({ touser: 'u1', msgtype: 'text', text: { content: 'b' } });
    expect(fake.callsTo('gettoken')).toHaveLength(2);
    expect(fake.callsTo('message/send').map((c) => c.errcode)).toEqual([0, 42001, 0]);
  });

  it('refreshes again after the cached token ages out', async () => {
    const clock = new ManualClock('2026-11-27T02:00:00Z');
    const client = clientFor(fake, clock);
    await client.sendMessage({ touser: 'u1', msgtype: 'text', text: { content: 'a' } });
    clock.advance(7200_000 - 299_000);
    await client.sendMessage({ touser: 'u1', msgtype: 'text', text: { content: 'b' } });
    expect(fake.callsTo('gettoken')).toHaveLength(2);
  });

  it('does not retry a bad secret (40001)', async () => {
    const client = clientFor(fake, undefined, 'wrong-secret');
    const sending = client.sendMessage({ touser: 'u1', msgtype: 'text', text: { content: 'a' } });
    await expect(sending).rejects.toMatchObject({ name: 'WecomApiError', errcode: 40001, retryable: false });
    expect(fake.callsTo('gettoken')).toHaveLength(1);
    expect(fake.callsTo('message/send')).toHaveLength(0);
  });

  it('retries HTTP 5xx and busy (-1) with backoff, then succeeds', async () => {
    const client = clientFor(fake);
    fake.failNext('message/send', { status: 502 });
    fake.failNext('message/send', { errcode: -1, errmsg: 'system busy' });
    const result = await client.sendMessage({ touser: 'u1', msgtype: 'text', text: { content: 'a' } });
    expect(result.msgId).toMatch(/^msg-/);
    expect(sleeps).toEqual([200, 400]);
  });

  it('gives up after the retry budget with a retryable network error', async () => {
    const client = clientFor(fake);
    fake.failNext('message/send', { status: 503 }, 3);
    await expect(
      client.sendMessage({ touser: 'u1', msgtype: 'text', text: { content: 'a' } }),
    ).rejects.toMatchObject({
      name: 'WecomNetworkError',
      status: 503,
      retryable: true,
    });
    expect(fake.callsTo('message/send')).toHaveLength(3);
  });

  it('treats a dropped connection as a retryable network error', async () => {
    const client = clientFor(fake);
    fake.failNext('message/send', { destroy: true }, 3);
    await expect(
      client.sendMessage({ touser: 'u1', msgtype: 'text', text: { content: 'a' } }),
    ).rejects.toBeInstanceOf(WecomNetworkError);
  });

  it('does not retry a permanent errcode', async () => {
    const client = clientFor(fake);
    fake.failNext('message/send', { errcode: 81013, errmsg: 'user & party & tag all invalid' });
    await expect(
      client.sendMessage({ touser: 'nobody', msgtype: 'text', text: { content: 'a' } }),
    ).rejects.toMatchObject({
      errcode: 81013,
      retryable: false,
    });
    expect(fake.callsTo('message/send')).toHaveLength(1);
  });

  it('sends a button card and updates it with its response code, once', async () => {
    const client = clientFor(fake);
    const sent = await client.sendMessage({
      touser: 'ZhangWei',
      msgtype: 'template_card',
      template_card: {
        card_type: 'button_interaction',
        main_title: { title: '新的帮办咨询' },
        task_id: 'task_card_1',
        button_list: [{ text: '接单', key: 'claim:c1' }],
      },
    });
    expect(sent.responseCode).toMatch(/^rc-/);
    await client.updateTemplateCard({
      userIds: ['ZhangWei'],
      responseCode: sent.responseCode!,
      replaceName: '已由 张伟 接单',
    });
    await expect(
      client.updateTemplateCard({
        userIds: ['ZhangWei'],
        responseCode: sent.responseCode!,
        replaceName: 'again',
      }),
    ).rejects.toBeInstanceOf(WecomApiError);
  });

  it('uploads media and downloads it again; a JSON error body with HTTP 200 is an error', async () => {
    const client = clientFor(fake);
    const data = Buffer.from('%PDF-1.4 fake file body');
    const mediaId = await client.uploadMedia('file', {
      data,
      contentType: 'application/pdf',
      fileName: '申请表.pdf',
    });
    const file = await client.getMedia(mediaId);
    expect(file).toMatchObject({ contentType: 'application/pdf', fileName: '申请表.pdf' });
    expect(file.data.equals(data)).toBe(true);
    await expect(client.getMedia('no-such-media')).rejects.toMatchObject({ errcode: 40007 });
  });

  it('posts to a group robot by key without a token; over 20/min is a frequency error', async () => {
    const limited = await startFakeWecom({ corpId: CORP, robotKeys: ['robot-2'], robotPerMinute: 2 });
    try {
      const client = new WecomApiClient({
        apiBase: limited.url,
        corpId: CORP,
        agentId: 1,
        secret: 'app-secret',
        clock: new ManualClock(0),
        maxRetries: 0,
      });
      await client.sendRobot('robot-2', {
        msgtype: 'text',
        text: { content: 'a', mentioned_list: ['ZhangWei'] },
      });
      await client.sendRobot('robot-2', { msgtype: 'markdown', markdown: { content: '**b**' } });
      await expect(
        client.sendRobot('robot-2', { msgtype: 'text', text: { content: 'c' } }),
      ).rejects.toMatchObject({
        errcode: 45009,
        retryable: true,
      });
      expect(limited.callsTo('gettoken')).toHaveLength(0);
    } finally {
      await limited.close();
    }
  });

  it('creates an app chat and sends to it', async () => {
    const client = clientFor(fake);
    const chatId = await client.createAppChat({
      name: '医疗机构制剂注册帮办群',
      owner: 'ZhangWei',
      userIds: ['ZhangWei', 'LiNa'],
      chatId: 'prepreg',
    });
    await client.sendAppChat(chatId, { msgtype: 'text', text: { content: 'hi' } });
    expect(chatId).toBe('prepreg');
    expect(fake.callsTo('appchat/send')[0]!.body).toMatchObject({ chatid: 'prepreg' });
  });
});

describe('WecomApiClient response parsing (nock)', () => {
  const base = 'http://wecom.nock.test';
  afterEach(() => nock.cleanAll());

  it('classifies an HTML page with HTTP 200 as a retryable network error', async () => {
    nock(base)
      .get('/cgi-bin/gettoken')
      .query(true)
      .reply(200, { errcode: 0, access_token: 't1', expires_in: 7200 });
    nock(base)
      .post('/cgi-bin/message/send')
      .query(true)
      .reply(200, '<html>proxy</html>', { 'Content-Type': 'text/html' });
    const client = new WecomApiClient({
      apiBase: base,
      corpId: CORP,
      agentId: 1,
      secret: 's',
      clock: new ManualClock(0),
      maxRetries: 0,
    });
    await expect(
      client.sendMessage({ touser: 'u', msgtype: 'text', text: { content: 'x' } }),
    ).rejects.toMatchObject({
      name: 'WecomNetworkError',
      retryable: true,
    });
  });

  it('reads invaliduser and keeps the msgid as a string', async () => {
    nock(base)
      .get('/cgi-bin/gettoken')
      .query(true)
      .reply(200, { errcode: 0, access_token: 't1', expires_in: 7200 });
    nock(base)
      .post('/cgi-bin/message/send')
      .query({ access_token: 't1' })
      .reply(200, '{"errcode":0,"errmsg":"ok","invaliduser":"a|b","msgid":"4561255354251345929"}', {
        'Content-Type': 'application/json',
      });
    const client = new WecomApiClient({
      apiBase: base,
      corpId: CORP,
      agentId: 1,
      secret: 's',
      clock: new ManualClock(0),
    });
    const result = await client.sendMessage({ touser: 'a|b|c', msgtype: 'text', text: { content: 'x' } });
    expect(result).toEqual({ msgId: '4561255354251345929', invalidUsers: ['a', 'b'] });
  });
});

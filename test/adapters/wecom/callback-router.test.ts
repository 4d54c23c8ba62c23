import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aesKeyFrom } from '../../../adapters/wecom/crypto.ts';
import { createWecomCallbackRouter } from '../../../adapters/wecom/callback-router.ts';
import type { WecomCallback } from '../../../adapters/wecom/parse-callback.ts';
import { ManualClock } from '../../../src/clock.ts';
import { QDG6eK } from '../../fixtures/wecom/vectors.ts';
import { startTestApp, type TestApp } from '../../http/test-app.ts';

/** The official vector's timestamps are from 2014, so the freshness check runs at that time. */
describe('WeCom callback over HTTP with the official "QDG6eK" vector', () => {
  const clock = new ManualClock(Number(QDG6eK.post.timestamp) * 1000);
  const received: WecomCallback[] = [];
  let t: TestApp;
  beforeAll(async () => {
    const router = createWecomCallbackRouter({
      secrets: {
        token: QDG6eK.token,
        aes: aesKeyFrom(QDG6eK.encodingAesKey)!,
        corpId: QDG6eK.corpId,
        maxClockSkewSeconds: 300,
      },
      clock,
      onCallback: async (callback) => void received.push(callback),
    });
    t = await startTestApp({ routers: [router] });
  });
  afterAll(() => t.close());

  const getUrl = (echostr: string, signature: string = QDG6eK.get.msgSignature) =>
    `${t.url}/callbacks/wecom?msg_signature=${signature}&timestamp=${QDG6eK.get.timestamp}&nonce=${QDG6eK.get.nonce}&echostr=${encodeURIComponent(echostr)}`;
  const postUrl = (signature: string = QDG6eK.post.msgSignature, timestamp: string = QDG6eK.post.timestamp) =>
    `${t.url}/callbacks/wecom?msg_signature=${signature}&timestamp=${timestamp}&nonce=${QDG6eK.post.nonce}`;
  const post = (body: string, url = postUrl(), type = 'text/xml') =>
    fetch(url, { method: 'POST', headers: { 'Content-Type': type }, body });

  it('GET answers the decrypted echostr, bare', async () => {
    const res = await fetch(getUrl(QDG6eK.get.echostr));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(QDG6eK.get.reply);
  });

  it('GET with a wrong signature is 401 invalid_signature', async () => {
    const res = await fetch(getUrl(QDG6eK.get.echostr, '0'.repeat(40)));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: { code: 'invalid_signature', details: { reason: 'invalid_signature' } },
    });
  });

  it('GET without echostr is 400 with the missing parameter named', async () => {
    const res = await fetch(`${t.url}/callbacks/wecom?msg_signature=a&timestamp=1&nonce=2`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'bad_request', message: expect.stringContaining('echostr') },
    });
  });

  it('POST verifies, decrypts and parses, then answers 200 with an empty body', async () => {
    received.length = 0;
    const res = await post(QDG6eK.post.body);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(received).toEqual([
      {
        type: 'inbound',
        message: expect.objectContaining({
          kind: 'text',
          text: 'hello',
          channelUserId: 'mycreate',
          externalId: '4561255354251345929',
        }),
      },
    ]);
  });

  it('POST with a stale timestamp is 401 stale_timestamp', async () => {
    clock.set(new Date((Number(QDG6eK.post.timestamp) + 301) * 1000));
    try {
      const res = await post(QDG6eK.post.body);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'stale_timestamp' } });
    } finally {
      clock.set(new Date(Number(QDG6eK.post.timestamp) * 1000));
    }
  });

  it('POST signed for another body is 401; a wrong content type is 415', async () => {
    const other = QDG6eK.post.body.replace('RypEv', 'RypEw');
    expect((await post(other)).status).toBe(401);
    const res = await post(QDG6eK.post.body, postUrl(), 'image/png');
    expect(res.status).toBe(415);
  });
});

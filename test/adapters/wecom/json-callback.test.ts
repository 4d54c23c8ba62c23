import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWecomCallbackRouter } from '../../../adapters/wecom/callback-router.ts';
import { aesKeyFrom } from '../../../adapters/wecom/crypto.ts';
import { callbackFormat, parseJsonDocument } from '../../../adapters/wecom/json-callback.ts';
import type { WecomCallback } from '../../../adapters/wecom/parse-callback.ts';
import { ManualClock } from '../../../src/clock.ts';
import { startTestApp, type TestApp } from '../../http/test-app.ts';

/** Protocols §3.1, "POST DecryptMsg (JSON callback variant, same keys)", verbatim. */
const VECTOR = {
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  corpId: 'wx5823bf96d3bd56c7',
  msgSignature: '0623cbc5a8cbee5bcc137c70de99575366fc2af3',
  timestamp: '1409659813',
  nonce: '1372623149',
  body: '{"tousername":"wx5823bf96d3bd56c7","encrypt":"CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko=","agentid":"218"}',
} as const;

describe('WeCom JSON callbacks with the official JSON vector', () => {
  const clock = new ManualClock(Number(VECTOR.timestamp) * 1000);
  const received: WecomCallback[] = [];
  let t: TestApp;
  beforeAll(async () => {
    const router = createWecomCallbackRouter({
      secrets: {
        token: VECTOR.token,
        aes: aesKeyFrom(VECTOR.encodingAesKey)!,
        corpId: VECTOR.corpId,
        maxClockSkewSeconds: 300,
      },
      clock,
      onCallback: async (callback) => void received.push(callback),
    });
    t = await startTestApp({ routers: [router] });
  });
  afterAll(() => t.close());

  const url = (signature: string = VECTOR.msgSignature) =>
    `${t.url}/callbacks/wecom?msg_signature=${signature}&timestamp=${VECTOR.timestamp}&nonce=${VECTOR.nonce}`;
  const post = (body: string, type: string, signature?: string) =>
    fetch(url(signature), { method: 'POST', headers: { 'Content-Type': type }, body });

  it.each(['application/json', 'application/json; charset=utf-8', 'text/plain'])(
    'Content-Type %s: verifies, decrypts, parses the JSON message losslessly, answers 200 empty',
    async (type) => {
      received.length = 0;
      const res = await post(VECTOR.body, type);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
      expect(received).toEqual([
        {
          type: 'inbound',
          message: {
            channel: 'wecom',
            // 4561255354251345929 > 2^53: JSON.parse alone would give …346000.
            externalId: '4561255354251345929',
            channelUserId: 'mycreate',
            senderRole: 'staff',
            sentAt: new Date(1409659813 * 1000),
            kind: 'text',
            text: 'hello',
          },
        },
      ]);
    },
  );

  it('a wrong signature is 401; an envelope without encrypt or broken JSON is 400; nothing is handed over', async () => {
    received.length = 0;
    const bad = await post(VECTOR.body, 'application/json', '0'.repeat(40));
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    const noEncrypt = await post('{"tousername":"wx5823bf96d3bd56c7","agentid":"218"}', 'application/json');
    expect(noEncrypt.status).toBe(400);
    expect(await noEncrypt.json()).toMatchObject({
      error: { code: 'bad_request', details: { reason: 'malformed_envelope' } },
    });
    const broken = await post(VECTOR.body.slice(0, -2), 'text/plain');
    expect(broken.status).toBe(400);
    expect(received).toEqual([]);
  });

  it('the XML envelope sent as JSON is refused, not guessed at', async () => {
    const res = await post(`<xml><Encrypt><![CDATA[x]]></Encrypt></xml>`, 'application/json');
    expect(res.status).toBe(400);
  });
});

describe('JSON callback parsing', () => {
  it('decides the format by Content-Type, else by the body', () => {
    expect(callbackFormat('application/json', '<xml/>')).toBe('json');
    expect(callbackFormat('text/xml', '{}')).toBe('xml');
    expect(callbackFormat('text/plain', '  {"a":1}')).toBe('json');
    expect(callbackFormat('', '<xml></xml>')).toBe('xml');
  });

  it('keeps every number as its exact digits, strings with escapes intact, nested records and arrays', () => {
    const parsed = parseJsonDocument(
      '{"MsgId":4561255354251345929,"Neg":-1.5e3,"S":"a\\"b 12 \\\\","Nested":{"Ok":true,"L":[1,"x",null]},"N":null}',
    );
    expect(parsed).toEqual({
      ok: true,
      root: {
        MsgId: '4561255354251345929',
        Neg: '-1.5e3',
        S: 'a"b 12 \\',
        Nested: { Ok: 'true', L: ['1', 'x'] },
      },
    });
    expect(parseJsonDocument('[1]')).toMatchObject({ ok: false });
    expect(parseJsonDocument('{"a":')).toMatchObject({ ok: false });
  });
});

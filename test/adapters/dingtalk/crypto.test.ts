/** protocols/dingtalk.md §9, verbatim. */
import { describe, expect, it } from 'vitest';
import {
  aesKeyOf,
  callbackSignature,
  decryptCallback,
  encryptCallback,
  robotSign,
  signedWebhookUrl,
  successReply,
  verifyInbound,
} from '../../../adapters/dingtalk/crypto.ts';

const V1 = {
  token: '123456',
  aes: '4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij',
  owner: 'suite4xxxxxxxxxxxxxxx',
  timestamp: '1445827045067',
  nonce: 'nEXhMP4r',
  signature: '5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0',
  encrypt:
    '1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ==',
  plaintext:
    '{"EventType":"check_create_suite_url","Random":"LPIdSnlF","TestSuiteKey":"suite4xxxxxxxxxxxxxxx"}',
};
const V2 = {
  token: 'mryue',
  aes: 'Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7',
  owner: 'ding6ccabc44d2c8d38b',
  timestamp: '1608001896814',
  nonce: 'WL4PK6yA',
  signature: '03044561471240d4a14bb09372dfcfd4fd0e40cb',
  encrypt:
    '0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3',
  plaintext: '{"EventType":"check_url"}',
};

describe('DingTalk callback crypto (§9.1, §9.2)', () => {
  it.each([
    ['vector 1', V1, 'hU3bEfGZZewzhG5a'],
    ['vector 2', V2, 'l7Y3EcX2CU5w8av3'],
  ])('%s: signature, plaintext, random16, byte-exact re-encrypt', (_name, v, random) => {
    expect(callbackSignature(v.token, v.timestamp, v.nonce, v.encrypt)).toBe(v.signature);
    const key = aesKeyOf(v.aes)!;
    const opened = decryptCallback(key, v.encrypt, v.owner);
    expect(opened.message).toBe(v.plaintext);
    expect(opened.random.toString()).toBe(random);
    expect(encryptCallback(key, opened.message, v.owner, opened.random)).toBe(v.encrypt);
  });

  it('the "success" reply vector', () => {
    const reply = successReply(
      '123456',
      aesKeyOf(V1.aes)!,
      'suite4xxxxxxxxxxxxxxx',
      '1445827045067',
      'nEXhMP4r',
      Buffer.from('aaaabbbbccccdddd'),
    );
    expect(reply.encrypt).toBe(
      't5BhzMl4vwWDGqbT+PBJEQ864I8Yet7AmifbxRHIUY3Gokshny9LC+jKYwKsveoFbilBD5qI8U0brkEo6DMkTw==',
    );
    expect(reply.msg_signature).toBe('90635e9e91cc70124bb39fb15d24787a09afb3f9');
    // 48 bytes of frame + 16 bytes of pad (0x10).
    expect(Buffer.from(reply.encrypt, 'base64')).toHaveLength(64);
  });

  it('refuses another ownerKey, a tampered ciphertext and a bad key; UTF-8 round-trips', () => {
    const key = aesKeyOf(V2.aes)!;
    expect(() => decryptCallback(key, V2.encrypt, 'dingother')).toThrow(/900010/);
    const bytes = Buffer.from(V2.encrypt, 'base64');
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    expect(() => decryptCallback(key, bytes.toString('base64'), V2.owner)).toThrow(/9000(08|09|10)/);
    expect(aesKeyOf('short')).toBeNull();
    const chinese = '{"EventType":"user_add_org","name":"张三"}';
    expect(decryptCallback(key, encryptCallback(key, chinese, V2.owner), V2.owner).message).toBe(chinese);
  });
});

describe('DingTalk robot signatures (§9.3)', () => {
  it.each([
    [
      1577262236757,
      'this is a secret',
      'DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=',
      'DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA%3D',
    ],
    [
      1577262236757,
      'this is secret',
      'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=',
      'hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D',
    ],
    [
      1700000000000,
      'SEC' + 'x'.repeat(62),
      'bbJEnv/Hr+866A/OFo/rqUuy624TkDibZTfzgEFp8Dw=',
      'bbJEnv%2FHr%2B866A%2FOFo%2FrqUuy624TkDibZTfzgEFp8Dw%3D',
    ],
  ])('%s / %s', (ts, secret, b64, urlencoded) => {
    expect(robotSign(ts, secret)).toBe(b64);
    expect(encodeURIComponent(b64)).toBe(urlencoded);
    const url = signedWebhookUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', secret, ts);
    expect(url).toContain(`&timestamp=${ts}&sign=${urlencoded}`);
  });

  it('verifyInbound: ts+59 min passes, ts+61 min is stale, a wrong sign fails, window configurable', () => {
    const ts = 1577262236757;
    const sign = 'DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=';
    expect(verifyInbound(String(ts), sign, 'this is a secret', ts + 59 * 60_000)).toEqual({ ok: true });
    expect(verifyInbound(String(ts), sign, 'this is a secret', ts + 61 * 60_000)).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verifyInbound(String(ts), sign, 'another secret', ts)).toMatchObject({ reason: 'bad_sign' });
    expect(verifyInbound(String(ts), undefined, 'this is a secret', ts)).toMatchObject({
      reason: 'missing_headers',
    });
    expect(verifyInbound(String(ts), sign, 'this is a secret', ts + 120_000, 60)).toMatchObject({
      reason: 'stale_timestamp',
    });
    expect(verifyInbound(String(ts), sign, 'this is a secret', ts + 86_400_000, 0)).toEqual({ ok: true });
  });
});

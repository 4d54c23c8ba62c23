import { describe, expect, it } from 'vitest';
import {
  openCallback,
  verifyUrl,
  type OaCallbackSecrets,
} from '../../../adapters/wechat-oa/verify-callback.ts';
import { parseJsonLossless } from '../../../adapters/wechat-oa/json-lossless.ts';
import { aesKeyFrom, decryptMessage, encryptMessage, msgSignature } from '../../../adapters/wecom/crypto.ts';
import { buildXml } from '../../../adapters/wecom/xml.ts';

/** Vector "pamtest": the WeChat MP official cryptoDemo (protocols §3.2), verbatim. */
const PAMTEST = {
  token: 'pamtest',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wxb11529c136998cb6',
  random: Buffer.from('aaaabbbbccccdddd'),
  timestamp: '1409304348',
  nonce: 'xxxxxx',
  message1: '我是中文abcd123',
  cipher1: 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
  message2:
    '<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>',
  cipher2:
    'jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb',
  msgSignature1: '82c962d39941aa48552f90ef55aa323dc620cc10',
  signature: '76480565cbe296026c53aaacd1ad523a1ddba24f',
};

const aes = aesKeyFrom(PAMTEST.encodingAesKey)!;
const secrets: OaCallbackSecrets = {
  token: PAMTEST.token,
  aes,
  appId: PAMTEST.appId,
  maxClockSkewSeconds: 0,
};
const at = new Date(Number(PAMTEST.timestamp) * 1000);

describe('official vectors through the WeChat OA verifier', () => {
  it('"pamtest": encryption with the fixed random is byte-exact, and decrypts for the AppID', () => {
    expect(encryptMessage(aes, PAMTEST.message1, PAMTEST.appId, PAMTEST.random)).toBe(PAMTEST.cipher1);
    expect(encryptMessage(aes, PAMTEST.message2, PAMTEST.appId, PAMTEST.random)).toBe(PAMTEST.cipher2);
    expect(decryptMessage(aes, PAMTEST.cipher2, PAMTEST.appId)).toMatchObject({
      ok: true,
      message: PAMTEST.message2,
    });
  });

  it('"pamtest": the derived 3-part signature and msg_signature', () => {
    expect(msgSignature(PAMTEST.token, PAMTEST.timestamp, PAMTEST.nonce)).toBe(PAMTEST.signature);
    expect(msgSignature(PAMTEST.token, PAMTEST.timestamp, PAMTEST.nonce, PAMTEST.cipher1)).toBe(
      PAMTEST.msgSignature1,
    );
  });

  it('signature-only vectors (node-webot/wechat-crypto, wandering-ai/wecom-crypto)', () => {
    expect(msgSignature('RMNlACHlV5ThzfRlVS4D4', 'timestamp', 'nonce', 'encrypt')).toBe(
      '8edac0945683c119ee71c9f6256d76c48aa08a96',
    );
    expect(msgSignature('0', 'c', 'a', 'b')).toBe('a8addbc99f8b3f51d2adbceb605d650b9a8940e2');
  });

  it('GET verification checks the 3-part signature and returns echostr unchanged', () => {
    const query = {
      signature: PAMTEST.signature,
      timestamp: PAMTEST.timestamp,
      nonce: PAMTEST.nonce,
      echostr: 'a+b/c==',
    };
    expect(verifyUrl(query, secrets, at)).toEqual({ ok: true, echostr: 'a+b/c==' });
    expect(verifyUrl({ ...query, signature: PAMTEST.signature.toUpperCase() }, secrets, at).ok).toBe(true);
    expect(verifyUrl({ ...query, signature: '0'.repeat(40) }, secrets, at)).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
    expect(verifyUrl({ ...query, signature: undefined }, secrets, at)).toMatchObject({
      ok: false,
      code: 'invalid_signature',
      reason: 'missing_signature',
    });
  });

  it('safe mode: msg_signature over Encrypt (not signature) authenticates, the AppID frame decrypts', () => {
    const body = buildXml({ ToUserName: 'gh_7f083739789a', Encrypt: PAMTEST.cipher1 });
    const query = {
      signature: PAMTEST.signature,
      msg_signature: PAMTEST.msgSignature1,
      encrypt_type: 'aes',
      timestamp: PAMTEST.timestamp,
      nonce: PAMTEST.nonce,
    };
    expect(openCallback(query, body, 'xml', secrets, at)).toMatchObject({
      ok: true,
      plaintext: PAMTEST.message1,
      encrypted: true,
    });
    // The 3-part signature alone must not be enough for an encrypted body (pitfall 5).
    expect(
      openCallback({ ...query, msg_signature: PAMTEST.signature }, body, 'xml', secrets, at),
    ).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
    expect(openCallback({ ...query, msg_signature: undefined }, body, 'xml', secrets, at)).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
    const json = JSON.stringify({ ToUserName: 'gh_7f083739789a', Encrypt: PAMTEST.cipher1 });
    expect(openCallback(query, json, 'json', secrets, at)).toMatchObject({
      ok: true,
      plaintext: PAMTEST.message1,
    });
  });

  it('refuses a frame encrypted for another AppID', () => {
    const cipher = encryptMessage(aes, '<xml/>', 'wxanotherappid0000');
    const query = {
      msg_signature: msgSignature(PAMTEST.token, PAMTEST.timestamp, PAMTEST.nonce, cipher),
      encrypt_type: 'aes',
      timestamp: PAMTEST.timestamp,
      nonce: PAMTEST.nonce,
    };
    expect(openCallback(query, buildXml({ Encrypt: cipher }), 'xml', secrets, at)).toMatchObject({
      ok: false,
      code: 'bad_request',
      reason: 'receiveid_mismatch',
    });
  });

  it('refuses encrypted pushes when no EncodingAESKey is configured (plaintext mode only)', () => {
    const query = {
      msg_signature: PAMTEST.msgSignature1,
      encrypt_type: 'aes',
      timestamp: PAMTEST.timestamp,
      nonce: PAMTEST.nonce,
    };
    const body = buildXml({ Encrypt: PAMTEST.cipher1 });
    expect(openCallback(query, body, 'xml', { ...secrets, aes: null }, at)).toMatchObject({
      ok: false,
      reason: 'encryption_not_configured',
    });
  });

  it('plaintext mode: the body is passed on once the 3-part signature holds', () => {
    const query = { signature: PAMTEST.signature, timestamp: PAMTEST.timestamp, nonce: PAMTEST.nonce };
    expect(openCallback(query, '<xml/>', 'xml', secrets, at)).toMatchObject({
      ok: true,
      plaintext: '<xml/>',
      encrypted: false,
    });
    expect(openCallback({ ...query, encrypt_type: 'raw' }, '<xml/>', 'xml', secrets, at).ok).toBe(true);
    expect(openCallback({ ...query, encrypt_type: 'des' }, '<xml/>', 'xml', secrets, at)).toMatchObject({
      ok: false,
      reason: 'bad_encrypt_type',
    });
  });

  it('refuses a stale timestamp unless the check is off', () => {
    const query = { signature: PAMTEST.signature, timestamp: PAMTEST.timestamp, nonce: PAMTEST.nonce };
    const later = new Date(at.getTime() + 301_000);
    expect(
      openCallback(query, '<xml/>', 'xml', { ...secrets, maxClockSkewSeconds: 300 }, later),
    ).toMatchObject({
      ok: false,
      code: 'stale_timestamp',
    });
    expect(openCallback(query, '<xml/>', 'xml', { ...secrets, maxClockSkewSeconds: 0 }, later).ok).toBe(true);
  });
});

describe('parseJsonLossless', () => {
  it('keeps 64-bit integers exact as strings and leaves the rest alone', () => {
    expect(String(JSON.parse('{"MsgId":4561255354251345929}').MsgId)).not.toBe('4561255354251345929');
    expect(
      parseJsonLossless(
        '{"MsgId":4561255354251345929,"CreateTime":1409659813,"Content":"id 12345678901234567"}',
      ),
    ).toEqual({
      MsgId: '4561255354251345929',
      CreateTime: 1409659813,
      Content: 'id 12345678901234567',
    });
    // A long fraction stays a number (JSON.parse rounds it as usual); only integers are kept exact.
    expect(parseJsonLossless('[1.12345678901234567, -12345678901234567890, 1e20]')).toEqual([
      JSON.parse('1.12345678901234567'),
      '-12345678901234567890',
      1e20,
    ]);
    expect(() => parseJsonLossless('{"a":')).toThrow(SyntaxError);
  });
});

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  aesKeyFrom,
  decryptFrame,
  decryptMessage,
  encryptedReply,
  encryptMessage,
  isValidSignature,
  msgSignature,
  type AesKey,
} from '../../../adapters/wecom/crypto.ts';
import { parseXmlDocument, textOf } from '../../../adapters/wecom/xml.ts';
import { pamtest, QDG6eK, signatureOnly } from '../../fixtures/wecom/vectors.ts';

const key = (k: string): AesKey => {
  const aes = aesKeyFrom(k);
  if (!aes) throw new Error('test key must be valid');
  return aes;
};

describe('WXBizMsgCrypt vector "QDG6eK" (WeCom official sample)', () => {
  const aes = key(QDG6eK.encodingAesKey);

  it('signs and decrypts the GET echostr to the official reply, receiveid = corpid', () => {
    const { get } = QDG6eK;
    expect(msgSignature(QDG6eK.token, get.timestamp, get.nonce, get.echostr)).toBe(get.msgSignature);
    expect(decryptMessage(aes, get.echostr, QDG6eK.corpId)).toMatchObject({ ok: true, message: get.reply });
  });

  it('verifies and decrypts the POST body to the official plaintext', () => {
    const { post } = QDG6eK;
    expect(isValidSignature(post.msgSignature, QDG6eK.token, post.timestamp, post.nonce, post.encrypt)).toBe(
      true,
    );
    const opened = decryptMessage(aes, post.encrypt, QDG6eK.corpId);
    expect(opened).toMatchObject({ ok: true, message: post.plaintext, receiveId: QDG6eK.corpId });
    expect(opened.ok && opened.random.toString('latin1')).toBe(post.random);
  });

  it('re-encrypting the plaintext with the same random reproduces the ciphertext byte for byte', () => {
    const { post } = QDG6eK;
    expect(encryptMessage(aes, post.plaintext, QDG6eK.corpId, Buffer.from(post.random))).toBe(post.encrypt);
  });

  it('verifies the JSON-callback variant', () => {
    const { json } = QDG6eK;
    expect(msgSignature(QDG6eK.token, json.timestamp, json.nonce, json.encrypt)).toBe(json.msgSignature);
    expect(decryptMessage(aes, json.encrypt, QDG6eK.corpId)).toMatchObject({
      ok: true,
      receiveId: QDG6eK.corpId,
    });
  });

  it('accepts the non-canonical official EncodingAESKey (trailing bits set)', () => {
    expect(aes.key).toHaveLength(32);
    expect(Buffer.from(`${QDG6eK.encodingAesKey}=`, 'base64').toString('base64')).not.toBe(
      `${QDG6eK.encodingAesKey}=`,
    );
  });
});

describe('WXBizMsgCrypt vector "pamtest" (deterministic encryption)', () => {
  const aes = key(pamtest.encodingAesKey);
  const random = Buffer.from(pamtest.random);

  it('encrypts both official messages exactly', () => {
    expect(encryptMessage(aes, pamtest.message1, pamtest.appId, random)).toBe(pamtest.cipher1);
    expect(encryptMessage(aes, pamtest.message2, pamtest.appId, random)).toBe(pamtest.cipher2);
  });

  it('decrypts both back with receiveid = appid', () => {
    expect(decryptMessage(aes, pamtest.cipher1, pamtest.appId)).toMatchObject({
      ok: true,
      message: pamtest.message1,
    });
    expect(decryptMessage(aes, pamtest.cipher2, pamtest.appId)).toMatchObject({
      ok: true,
      message: pamtest.message2,
    });
  });

  it('computes the derived 4-part and 3-part signatures', () => {
    expect(msgSignature(pamtest.token, pamtest.timestamp, pamtest.nonce, pamtest.cipher1)).toBe(
      pamtest.derivedMsgSignature,
    );
    expect(msgSignature(pamtest.token, pamtest.timestamp, pamtest.nonce)).toBe(pamtest.derivedPlainSignature);
  });

  it('encrypts a passive reply into a signed envelope that opens again', () => {
    const plaintext =
      '<xml><ToUserName><![CDATA[mycreate]]></ToUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[已收到]]></Content></xml>';
    const xml = encryptedReply({
      token: pamtest.token,
      aes,
      receiveId: pamtest.appId,
      plaintext,
      timestamp: pamtest.timestamp,
      nonce: pamtest.nonce,
      random,
    });
    const doc = parseXmlDocument(xml);
    if (!doc.ok) throw new Error(doc.reason);
    const encrypt = textOf(doc.root, 'Encrypt') as string;
    expect(textOf(doc.root, 'MsgSignature')).toBe(
      msgSignature(pamtest.token, pamtest.timestamp, pamtest.nonce, encrypt),
    );
    expect(textOf(doc.root, 'TimeStamp')).toBe(pamtest.timestamp);
    expect(encrypt).toBe(encryptMessage(aes, plaintext, pamtest.appId, random));
    expect(decryptMessage(aes, encrypt, pamtest.appId)).toMatchObject({ ok: true, message: plaintext });
  });
});

describe('signature-only vectors', () => {
  it.each(signatureOnly)('sha1(sort($parts)) = $expected', ({ parts, expected }) => {
    const [token, timestamp, nonce, encrypt] = parts;
    expect(msgSignature(token, timestamp, nonce, encrypt)).toBe(expected);
  });
});

describe('edge cases and rejections', () => {
  const aes = key(pamtest.encodingAesKey);
  const appId = pamtest.appId;

  it('decrypts a full 32-byte pad block (64-byte frame → 96 cipher bytes)', () => {
    const cipher = encryptMessage(aes, 'x'.repeat(26), appId, Buffer.alloc(16, 0x61));
    expect(Buffer.from(cipher, 'base64')).toHaveLength(96);
    expect(decryptMessage(aes, cipher, appId)).toMatchObject({ ok: true, message: 'x'.repeat(26) });
  });

  it('round-trips a 19-byte pad, which Node auto padding rejects', () => {
    const cipher = encryptMessage(aes, 'success', appId, Buffer.alloc(16, 0x61));
    expect(decryptMessage(aes, cipher, appId)).toMatchObject({ ok: true, message: 'success' });
    const auto = createDecipheriv('aes-256-cbc', aes.key, aes.iv);
    expect(() => Buffer.concat([auto.update(cipher, 'base64'), auto.final()])).toThrow();
  });

  it('rejects a frame for another receiveid', () => {
    expect(decryptMessage(aes, pamtest.cipher1, 'ww-someone-else')).toEqual({
      ok: false,
      reason: 'receiveid_mismatch',
    });
    expect(decryptFrame(aes, pamtest.cipher1)).toMatchObject({ ok: true, receiveId: appId });
  });

  it('rejects bad base64, bad lengths, and ciphertext from another key', () => {
    expect(decryptMessage(aes, 'not base64!', appId)).toEqual({ ok: false, reason: 'bad_base64' });
    expect(decryptMessage(aes, 'QUJD', appId)).toEqual({ ok: false, reason: 'bad_length' });
    expect(decryptMessage(aes, '', appId)).toEqual({ ok: false, reason: 'bad_length' });
    const other = key(QDG6eK.encodingAesKey);
    const result = decryptMessage(other, pamtest.cipher1, appId);
    expect(result.ok).toBe(false);
  });

  it('rejects wrong padding bytes', () => {
    // Encrypt a block whose last byte claims a pad of 5 but whose pad bytes differ.
    const frame = Buffer.alloc(64, 0x41);
    frame[63] = 5;
    const cipher = encryptRaw(aes, frame);
    expect(decryptMessage(aes, cipher, appId)).toEqual({ ok: false, reason: 'bad_padding' });
    const zeroPad = Buffer.alloc(32, 0);
    expect(decryptMessage(aes, encryptRaw(aes, zeroPad), appId)).toEqual({
      ok: false,
      reason: 'bad_padding',
    });
  });

  it('rejects a frame whose length field runs past the end', () => {
    const frame = Buffer.alloc(32, 0);
    frame.writeUInt32BE(1000, 16);
    frame.fill(12, 20); // pad of 12
    expect(decryptMessage(aes, encryptRaw(aes, frame), appId)).toEqual({ ok: false, reason: 'bad_frame' });
  });

  it('compares signatures case-insensitively and rejects any other value', () => {
    const { post } = QDG6eK;
    const args = [QDG6eK.token, post.timestamp, post.nonce, post.encrypt] as const;
    expect(isValidSignature(post.msgSignature.toUpperCase(), ...args)).toBe(true);
    expect(isValidSignature(post.msgSignature.slice(0, -1), ...args)).toBe(false);
    expect(isValidSignature(`${post.msgSignature.slice(0, -1)}0`, ...args)).toBe(false);
    expect(isValidSignature('', ...args)).toBe(false);
    expect(isValidSignature(`${post.msgSignature.slice(0, -1)}g`, ...args)).toBe(false);
    expect(isValidSignature(`${post.msgSignature}0`, ...args)).toBe(false);
  });

  it('refuses EncodingAESKeys that are not 43 letters and digits', () => {
    expect(aesKeyFrom('short')).toBeNull();
    expect(aesKeyFrom(`${pamtest.encodingAesKey}H`)).toBeNull();
    expect(aesKeyFrom(`${pamtest.encodingAesKey.slice(0, 42)}+`)).toBeNull();
  });
});

function encryptRaw(aes: AesKey, plain: Buffer): string {
  const cipher = createCipheriv('aes-256-cbc', aes.key, aes.iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

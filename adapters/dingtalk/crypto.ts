/**
 * DingTalk's signatures and callback crypto with node:crypto only (protocols/dingtalk.md §2.2,
 * §3.1, §5, §10). The npm package `dingtalk-encrypt` mangles non-ASCII payloads (§8.1), so it is
 * not used.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** Base64(HmacSHA256(key = secret, timestamp + "\n" + secret)): robot callbacks and 加签 webhooks. */
export function robotSign(timestamp: string | number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

/** A custom robot's webhook with 加签: `timestamp` and the URL-encoded `sign` go in the query string. */
export function signedWebhookUrl(webhook: string, secret: string | undefined, timestampMs: number): string {
  if (!secret) return webhook;
  const url = new URL(webhook);
  url.searchParams.set('timestamp', String(timestampMs));
  url.searchParams.set('sign', robotSign(timestampMs, secret));
  return url.toString();
}

export type InboundCheck =
  { ok: true } | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_sign' };

/**
 * The app robot's HTTP callback headers (§3.1): `timestamp` (ms) within the window and `sign`
 * equal to robotSign(timestamp, appSecret), compared in constant time. `maxSkewSeconds` 0 turns
 * the window check off.
 */
export function verifyInbound(
  timestampHeader: string | undefined,
  signHeader: string | undefined,
  appSecret: string,
  nowMs: number,
  maxSkewSeconds = 3600,
): InboundCheck {
  if (!timestampHeader || !signHeader) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{10,16}$/.test(timestampHeader)) return { ok: false, reason: 'bad_timestamp' };
  const want = Buffer.from(robotSign(timestampHeader, appSecret));
  const got = Buffer.from(signHeader);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'bad_sign' };
  if (maxSkewSeconds > 0 && Math.abs(nowMs - Number(timestampHeader)) > maxSkewSeconds * 1000)
    return { ok: false, reason: 'stale_timestamp' };
  return { ok: true };
}

// ---- Event subscription: AES-256-CBC, IV = key[0..16), PKCS#7 to 32 bytes, sorted SHA1 signature

/** The 32-byte key from the 43-character EncodingAESKey, or null when it is not one. */
export function aesKeyOf(encodingAesKey: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) return null;
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  return key.length === 32 ? key : null;
}

export function callbackSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');
}

/** Constant-time comparison of two hex signatures. */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}

export class CallbackCryptoError extends Error {
  /** The official exception code (§5.7): 900008 decrypt/padding, 900009 length, 900010 ownerKey. */
  readonly code: number;
  constructor(code: number, message: string) {
    super(`${code} ${message}`);
    this.name = 'CallbackCryptoError';
    this.code = code;
  }
}

/** Decrypts a callback's `encrypt`; the trailing ownerKey must match (appKey for console-set events). */
export function decryptCallback(
  key: Buffer,
  encrypt: string,
  ownerKey: string,
): { message: string; random: Buffer } {
  const data = Buffer.from(encrypt, 'base64');
  if (data.length === 0 || data.length % 32 !== 0)
    throw new CallbackCryptoError(900008, 'bad ciphertext length');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(data), decipher.final()]);
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > 32 || !plain.subarray(plain.length - pad).every((b) => b === pad))
    throw new CallbackCryptoError(900008, 'bad padding');
  const frame = plain.subarray(0, plain.length - pad);
  if (frame.length < 20) throw new CallbackCryptoError(900009, 'frame too short');
  const length = frame.readUInt32BE(16);
  if (20 + length > frame.length) throw new CallbackCryptoError(900009, 'length mismatch');
  const owner = frame.subarray(20 + length).toString('utf8');
  if (owner !== ownerKey) throw new CallbackCryptoError(900010, 'ownerKey mismatch');
  return { message: frame.subarray(20, 20 + length).toString('utf8'), random: frame.subarray(0, 16) };
}

export function encryptCallback(
  key: Buffer,
  message: string,
  ownerKey: string,
  random: Buffer = randomBytes(16),
): string {
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const frame = Buffer.concat([random, length, body, Buffer.from(ownerKey, 'utf8')]);
  const pad = 32 - (frame.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([frame, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString('base64');
}

export interface SuccessReply {
  msg_signature: string;
  timeStamp: string;
  nonce: string;
  encrypt: string;
}

/** The encrypted `success` every event must be answered with (§5.6). */
export function successReply(
  token: string,
  key: Buffer,
  ownerKey: string,
  timeStamp: string,
  nonce: string = randomBytes(6).toString('hex'),
  random?: Buffer,
): SuccessReply {
  const encrypt = encryptCallback(key, 'success', ownerKey, random);
  return { msg_signature: callbackSignature(token, timeStamp, nonce, encrypt), timeStamp, nonce, encrypt };
}

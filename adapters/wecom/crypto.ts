/**
 * WXBizMsgCrypt as pure functions (protocols/wecom-and-wechat.md §2): AES-256-CBC with IV = key[0..16),
 * PKCS#7 padded to 32-byte blocks, frame = random(16) ‖ u32be(len) ‖ msg ‖ receiveid, and the
 * 4-part SHA-1 `msg_signature`. No I/O, no clock: the callback verifier passes everything in.
 */
import { isUtf8 } from 'node:buffer';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** WXBizMsgCrypt pads to 32 bytes, not AES's 16 (Node's auto padding would reject pads 17..32). */
const PAD_BLOCK = 32;
const RANDOM_BYTES = 16;
const FRAME_HEADER = RANDOM_BYTES + 4;
const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;

/** The 32-byte AES key (and its IV) derived once from the 43-character EncodingAESKey. */
export interface AesKey {
  readonly key: Buffer;
  readonly iv: Buffer;
}

/**
 * `base64(EncodingAESKey + "=")`. The official sample key has non-zero trailing bits, so this must
 * stay Node's lenient decoder; the length checks are what guard it. Returns null when unusable.
 */
export function aesKeyFrom(encodingAesKey: string): AesKey | null {
  if (!ENCODING_AES_KEY.test(encodingAesKey)) return null;
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) return null;
  return { key, iv: key.subarray(0, 16) };
}

/** `hex(sha1(sort([token, timestamp, nonce, encrypt]).join('')))`; MP's 3-part form when `encrypt` is omitted. */
export function msgSignature(token: string, timestamp: string, nonce: string, encrypt?: string): string {
  const parts = encrypt === undefined ? [token, timestamp, nonce] : [token, timestamp, nonce, encrypt];
  return createHash('sha1').update(parts.sort().join('')).digest('hex');
}

/**
 * Constant-time comparison of the caller's signature with the one we compute (pitfall 4): every
 * character is compared, without an early exit, so the time does not tell how much of a forged
 * signature was right. (An XOR loop rather than crypto.timingSafeEqual: no buffers to allocate.)
 */
export function isValidSignature(
  given: string,
  token: string,
  timestamp: string,
  nonce: string,
  encrypt: string,
): boolean {
  const expected = msgSignature(token, timestamp, nonce, encrypt);
  if (given.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i += 1) {
    const code = given.charCodeAt(i);
    // Accept upper-case hex: fold A–F to a–f (depends on the caller's input only, not on the secret).
    const folded = code >= 0x41 && code <= 0x46 ? code | 0x20 : code;
    difference |= folded ^ expected.charCodeAt(i);
  }
  return difference === 0;
}

export type DecryptFailure = 'bad_base64' | 'bad_length' | 'bad_padding' | 'bad_frame' | 'receiveid_mismatch';

export type DecryptResult =
  { ok: true; message: string; receiveId: string; random: Buffer } | { ok: false; reason: DecryptFailure };

/**
 * Decrypts `ciphertext` (base64) and checks the frame's receiveid against `expectedReceiveId`
 * (CorpID for a self-built app, "" for an AI bot). Every failure is a value, never a throw.
 */
export function decryptMessage(aes: AesKey, ciphertext: string, expectedReceiveId: string): DecryptResult {
  const frame = decryptFrame(aes, ciphertext);
  if (!frame.ok) return frame;
  if (frame.receiveId !== expectedReceiveId) return { ok: false, reason: 'receiveid_mismatch' };
  return frame;
}

/** Decrypts and unframes without judging the receiveid (tests and diagnostics). */
export function decryptFrame(aes: AesKey, ciphertext: string): DecryptResult {
  const expectedLength = base64Length(ciphertext);
  if (expectedLength === null) return { ok: false, reason: 'bad_base64' };
  if (expectedLength === 0 || expectedLength % PAD_BLOCK !== 0) return { ok: false, reason: 'bad_length' };
  const decipher = createDecipheriv('aes-256-cbc', aes.key, aes.iv);
  decipher.setAutoPadding(false);
  // Decoding inside update() avoids a copy. Node skips characters outside the base64 alphabet
  // rather than failing, so any such character shows up as fewer bytes than the length promises.
  const plain = decipher.update(ciphertext, 'base64');
  if (plain.length !== expectedLength) return { ok: false, reason: 'bad_base64' };
  decipher.final();
  const body = stripPadding(plain);
  if (!body) return { ok: false, reason: 'bad_padding' };
  if (body.length < FRAME_HEADER) return { ok: false, reason: 'bad_frame' };
  const length = body.readUInt32BE(RANDOM_BYTES);
  if (length > body.length - FRAME_HEADER) return { ok: false, reason: 'bad_frame' };
  const message = body.subarray(FRAME_HEADER, FRAME_HEADER + length);
  const receiveId = body.subarray(FRAME_HEADER + length);
  if (!isUtf8(message) || !isUtf8(receiveId)) return { ok: false, reason: 'bad_frame' };
  return {
    ok: true,
    message: message.toString('utf8'),
    receiveId: receiveId.toString('utf8'),
    random: body.subarray(0, RANDOM_BYTES),
  };
}

/** The byte length standard padded base64 of this length encodes, or null when the length cannot be base64. */
function base64Length(text: string): number | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/** Stricter than the official samples: the pad must be 1..32 and every pad byte must equal it. */
function stripPadding(plain: Buffer): Buffer | null {
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > PAD_BLOCK || pad > plain.length) return null;
  for (let i = plain.length - pad; i < plain.length; i += 1) if (plain[i] !== pad) return null;
  return plain.subarray(0, plain.length - pad);
}

/** Encrypts `message` for `receiveId`; `random` is fixed only by tests (vector "pamtest"). */
export function encryptMessage(
  aes: AesKey,
  message: string,
  receiveId: string,
  random: Buffer = randomBytes(RANDOM_BYTES),
): string {
  const msg = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(msg.length);
  const frame = Buffer.concat([
    random.subarray(0, RANDOM_BYTES),
    length,
    msg,
    Buffer.from(receiveId, 'utf8'),
  ]);
  const pad = PAD_BLOCK - (frame.length % PAD_BLOCK);
  const cipher = createCipheriv('aes-256-cbc', aes.key, aes.iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([frame, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString('base64');
}

export interface PassiveReplyInput {
  token: string;
  aes: AesKey;
  receiveId: string;
  /** The plaintext reply XML (doc 90241). */
  plaintext: string;
  timestamp: string;
  nonce: string;
  random?: Buffer;
}

/** The encrypted passive-reply envelope WeCom expects in a callback's response body (§2, §4.4). */
export function encryptedReply(input: PassiveReplyInput): string {
  const encrypt = encryptMessage(input.aes, input.plaintext, input.receiveId, input.random);
  const signature = msgSignature(input.token, input.timestamp, input.nonce, encrypt);
  return (
    `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><MsgSignature><![CDATA[${signature}]]></MsgSignature>` +
    `<TimeStamp>${input.timestamp}</TimeStamp><Nonce><![CDATA[${cdataSafe(input.nonce)}]]></Nonce></xml>`
  );
}

/** `]]>` cannot appear inside CDATA; split it across two sections (pitfall 10). */
export function cdataSafe(text: string): string {
  return text.replaceAll(']]>', ']]]]><![CDATA[>');
}

/**
 * Authenticating a WeChat Official Account callback (protocols §6.1–6.2) as pure functions of the
 * query, the raw body, the secrets and `now`. The crypto is WeCom's WXBizMsgCrypt (the receiveid is
 * the AppID); the differences are all here:
 * - GET and plaintext POST carry the 3-part `signature` (no payload), and echostr goes back as is;
 * - `encrypt_type=aes` (compatible and safe mode) authenticates the body with the 4-part
 *   `msg_signature` over `<Encrypt>`, never with `signature` (pitfall 5).
 */
import { timingSafeEqual } from 'node:crypto';
import type { ErrorCode } from '../../src/core/errors.ts';
import { decryptMessage, isValidSignature, msgSignature, type AesKey } from '../wecom/crypto.ts';
import { parseXmlDocument, textOf } from '../wecom/xml.ts';
import { parseJsonLossless } from './json-lossless.ts';

export interface OaCallbackSecrets {
  token: string;
  /** null: plaintext mode only. */
  aes: AesKey | null;
  /** The receiveid of every encrypted frame. */
  appId: string;
  /** 0 disables the freshness check. */
  maxClockSkewSeconds: number;
}

export type OaQuery = Record<string, string | string[] | undefined>;

/** The account's message format (服务器配置 → 数据格式). */
export type OaFormat = 'xml' | 'json';

export interface OaRejection {
  ok: false;
  code: Extract<ErrorCode, 'bad_request' | 'invalid_signature' | 'stale_timestamp'>;
  reason: string;
  message: string;
}

export type OpenedCallback =
  { ok: true; plaintext: string; encrypted: boolean; timestamp: string; nonce: string } | OaRejection;

const reject = (code: OaRejection['code'], reason: string, message: string): OaRejection => ({
  ok: false,
  code,
  reason,
  message,
});

/** GET server verification: echostr is the whole answer, unchanged (MP never encrypts it). */
export function verifyUrl(
  query: OaQuery,
  secrets: OaCallbackSecrets,
  now: Date,
): { ok: true; echostr: string } | OaRejection {
  const echostr = single(query, 'echostr');
  if (echostr === undefined)
    return reject('bad_request', 'missing_parameter', 'query parameter echostr is required (once)');
  const checked = checkPlainSignature(query, secrets, now);
  return checked.ok ? { ok: true, echostr } : checked;
}

/**
 * POST message push in any of the three modes: plaintext (3-part `signature`), or with
 * `encrypt_type=aes` (4-part `msg_signature` over the envelope's Encrypt, decrypted for the AppID).
 */
export function openCallback(
  query: OaQuery,
  rawBody: string,
  format: OaFormat,
  secrets: OaCallbackSecrets,
  now: Date,
): OpenedCallback {
  const encryptType = single(query, 'encrypt_type') ?? 'raw';
  if (encryptType === 'raw') {
    const checked = checkPlainSignature(query, secrets, now);
    return checked.ok ? { ok: true, plaintext: rawBody, encrypted: false, ...checked.params } : checked;
  }
  if (encryptType !== 'aes')
    return reject('bad_request', 'bad_encrypt_type', `encrypt_type must be aes or raw, not ${encryptType}`);
  const params = timestampAndNonce(query);
  if (!params.ok) return params;
  const given = single(query, 'msg_signature');
  if (given === undefined)
    return reject(
      'invalid_signature',
      'missing_signature',
      'msg_signature is required with encrypt_type=aes',
    );
  if (!secrets.aes)
    return reject(
      'bad_request',
      'encryption_not_configured',
      'encrypted callbacks need WECHAT_OA_ENCODING_AES_KEY; this server runs in plaintext mode',
    );
  const encrypt = envelopeEncrypt(rawBody, format);
  if (!encrypt.ok) return encrypt;
  if (!isValidSignature(given, secrets.token, params.timestamp, params.nonce, encrypt.value))
    return reject('invalid_signature', 'invalid_signature', 'msg_signature does not match');
  const stale = staleness(params.timestamp, secrets, now);
  if (stale) return stale;
  const opened = decryptMessage(secrets.aes, encrypt.value, secrets.appId);
  if (!opened.ok)
    return reject(
      'bad_request',
      opened.reason,
      opened.reason === 'receiveid_mismatch'
        ? 'the message was encrypted for another AppID'
        : `the encrypted payload cannot be decrypted (${opened.reason})`,
    );
  return {
    ok: true,
    plaintext: opened.message,
    encrypted: true,
    timestamp: params.timestamp,
    nonce: params.nonce,
  };
}

/** `hex(sha1(sort([token, timestamp, nonce])))`, compared in constant time. */
function checkPlainSignature(
  query: OaQuery,
  secrets: OaCallbackSecrets,
  now: Date,
): { ok: true; params: { timestamp: string; nonce: string } } | OaRejection {
  const params = timestampAndNonce(query);
  if (!params.ok) return params;
  const given = single(query, 'signature');
  if (given === undefined) return reject('invalid_signature', 'missing_signature', 'signature is required');
  const expected = msgSignature(secrets.token, params.timestamp, params.nonce);
  if (!sameHex(given, expected))
    return reject('invalid_signature', 'invalid_signature', 'signature does not match');
  const stale = staleness(params.timestamp, secrets, now);
  return stale ?? { ok: true, params: { timestamp: params.timestamp, nonce: params.nonce } };
}

function timestampAndNonce(query: OaQuery): { ok: true; timestamp: string; nonce: string } | OaRejection {
  const timestamp = single(query, 'timestamp');
  const nonce = single(query, 'nonce');
  if (timestamp === undefined || nonce === undefined)
    return reject(
      'bad_request',
      'missing_parameter',
      'query parameters timestamp and nonce are required (once)',
    );
  if (!/^\d{1,12}$/.test(timestamp))
    return reject('bad_request', 'bad_timestamp', 'query parameter timestamp must be whole seconds');
  if (nonce.length > 64) return reject('bad_request', 'bad_nonce', 'query parameter nonce is too long');
  return { ok: true, timestamp, nonce };
}

function staleness(timestamp: string, secrets: OaCallbackSecrets, now: Date): OaRejection | null {
  if (secrets.maxClockSkewSeconds <= 0) return null;
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  return skew > secrets.maxClockSkewSeconds
    ? reject(
        'stale_timestamp',
        'stale_timestamp',
        `timestamp is ${Math.round(skew)} s away from now (allowed ${secrets.maxClockSkewSeconds} s)`,
      )
    : null;
}

/** The Encrypt field of the XML (`<Encrypt>`) or JSON (`"Encrypt"`) envelope. */
function envelopeEncrypt(rawBody: string, format: OaFormat): { ok: true; value: string } | OaRejection {
  let value: unknown;
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = parseJsonLossless(rawBody);
    } catch {
      return reject('bad_request', 'malformed_envelope', 'the body is not valid JSON');
    }
    value =
      typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['Encrypt'] : null;
  } else {
    const envelope = parseXmlDocument(rawBody);
    if (!envelope.ok) return reject('bad_request', 'malformed_envelope', envelope.reason);
    value = textOf(envelope.root, 'Encrypt');
  }
  if (typeof value !== 'string' || value === '')
    return reject(
      'bad_request',
      'malformed_envelope',
      'the envelope needs exactly one non-empty Encrypt field',
    );
  return { ok: true, value };
}

/** One non-empty value of a query parameter (a repeated one is refused). */
function single(query: OaQuery, name: string): string | undefined {
  const value = query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Constant-time compare of hex signatures; upper-case hex is accepted (pitfall 4). */
function sameHex(given: string, expected: string): boolean {
  const a = Buffer.from(given.toLowerCase(), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Authenticating a WeCom callback (doc 90968 / protocols §4.1–4.2) as pure functions of the query,
 * the raw body, the secrets and `now`. The result is a value: the decrypted plaintext, or a
 * rejection carrying the HTTP error code and a machine-readable reason.
 */
import type { ErrorCode } from '../../src/core/errors.ts';
import { decryptMessage, isValidSignature, type AesKey } from './crypto.ts';
import { parseJsonDocument, type CallbackFormat } from './json-callback.ts';
import { parseXmlDocument, textOf } from './xml.ts';

export interface CallbackSecrets {
  token: string;
  aes: AesKey;
  /** The receiveid every frame must carry: the CorpID for a self-built app. */
  corpId: string;
  /** 0 disables the freshness check. */
  maxClockSkewSeconds: number;
}

export type CallbackQuery = Record<string, string | string[] | undefined>;

export interface Rejection {
  ok: false;
  code: Extract<ErrorCode, 'bad_request' | 'invalid_signature' | 'stale_timestamp'>;
  reason: string;
  message: string;
}

export type Verified = { ok: true; plaintext: string } | Rejection;

const reject = (code: Rejection['code'], reason: string, message: string): Rejection => ({
  ok: false,
  code,
  reason,
  message,
});

/** GET URL verification: the decrypted echostr is the whole answer. */
export function verifyUrl(query: CallbackQuery, secrets: CallbackSecrets, now: Date): Verified {
  const params = signedParams(query, ['echostr']);
  if (!params.ok) return params;
  return openSigned(params.value, params.value.echostr!, secrets, now);
}

/**
 * POST message push: the `<Encrypt>` of the XML envelope (or `encrypt` of the JSON one,
 * `{"tousername","encrypt","agentid"}`), authenticated and decrypted.
 */
export function openCallback(
  query: CallbackQuery,
  rawBody: string,
  secrets: CallbackSecrets,
  now: Date,
  format: CallbackFormat = 'xml',
): Verified {
  const params = signedParams(query, []);
  if (!params.ok) return params;
  const envelope = format === 'json' ? parseJsonDocument(rawBody) : parseXmlDocument(rawBody);
  if (!envelope.ok) return reject('bad_request', 'malformed_envelope', envelope.reason);
  const field = format === 'json' ? 'encrypt' : 'Encrypt';
  const encrypt = textOf(envelope.root, field);
  if (typeof encrypt !== 'string' || encrypt === '')
    return reject('bad_request', 'malformed_envelope', `the envelope needs exactly one non-empty ${field}`);
  return openSigned(params.value, encrypt, secrets, now);
}

type Params = Record<'msg_signature' | 'timestamp' | 'nonce', string> & { echostr?: string };

function signedParams(
  query: CallbackQuery,
  extra: readonly 'echostr'[],
): { ok: true; value: Params } | Rejection {
  const value: Record<string, string> = {};
  for (const name of ['msg_signature', 'timestamp', 'nonce', ...extra]) {
    const raw = query[name];
    if (typeof raw !== 'string' || raw === '')
      return reject('bad_request', 'missing_parameter', `query parameter ${name} is required (once)`);
    value[name] = raw;
  }
  if (!/^\d{1,12}$/.test(value['timestamp']!))
    return reject('bad_request', 'bad_timestamp', 'query parameter timestamp must be whole seconds');
  return { ok: true, value: value as Params };
}

function openSigned(params: Params, encrypt: string, secrets: CallbackSecrets, now: Date): Verified {
  if (!isValidSignature(params.msg_signature, secrets.token, params.timestamp, params.nonce, encrypt))
    return reject('invalid_signature', 'invalid_signature', 'msg_signature does not match');
  if (secrets.maxClockSkewSeconds > 0) {
    const skew = Math.abs(now.getTime() / 1000 - Number(params.timestamp));
    if (skew > secrets.maxClockSkewSeconds)
      return reject(
        'stale_timestamp',
        'stale_timestamp',
        `timestamp is ${Math.round(skew)} s away from now (allowed ${secrets.maxClockSkewSeconds} s)`,
      );
  }
  const opened = decryptMessage(secrets.aes, encrypt, secrets.corpId);
  if (!opened.ok)
    return reject(
      'bad_request',
      opened.reason,
      opened.reason === 'receiveid_mismatch'
        ? 'the message was encrypted for another corp'
        : `the encrypted payload cannot be decrypted (${opened.reason})`,
    );
  return { ok: true, plaintext: opened.message };
}

/**
 * Request signing for the 12345 gateway, both ways (our ticket requests and 12345's status
 * callbacks): HMAC-SHA256 with the shared secret over `timestamp + "\n" + nonce + "\n" + body`,
 * hex (lowercase), in headers. Pure functions of (headers, raw body, secret, now).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADERS = {
  appId: 'x-hotline-app-id',
  timestamp: 'x-hotline-timestamp',
  nonce: 'x-hotline-nonce',
  signature: 'x-hotline-signature',
} as const;

const NONCE = /^[A-Za-z0-9_-]{8,64}$/;
const TIMESTAMP = /^\d{9,11}$/;
const SIGNATURE = /^[0-9a-f]{64}$/;

/** The string signed: unix seconds, nonce and the exact body bytes (UTF-8), joined by newlines. */
export function signingString(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}`;
}

export function sign(secret: string, timestamp: string, nonce: string, body: string): string {
  return createHmac('sha256', secret)
    .update(signingString(timestamp, nonce, body), 'utf8')
    .digest('hex');
}

/** The headers of a signed request at `now`. */
export function signedHeaders(input: {
  appId: string;
  secret: string;
  body: string;
  now: Date;
  nonce: string;
}): Record<string, string> {
  const timestamp = String(Math.floor(input.now.getTime() / 1000));
  return {
    [SIGNATURE_HEADERS.appId]: input.appId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: input.nonce,
    [SIGNATURE_HEADERS.signature]: sign(input.secret, timestamp, input.nonce, input.body),
  };
}

export type VerifyResult =
  | { ok: true }
  | { ok: false; code: 'invalid_signature' | 'stale_timestamp'; reason: string; message: string };

/** Checks app id, timestamp window and signature (constant-time compare). */
export function verifySignedRequest(input: {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  appId: string;
  secret: string;
  now: Date;
  windowSeconds: number;
}): VerifyResult {
  const header = (name: string) => {
    const value = input.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const fail = (
    code: 'invalid_signature' | 'stale_timestamp',
    reason: string,
    message: string,
  ): VerifyResult => ({
    ok: false,
    code,
    reason,
    message,
  });
  const appId = header(SIGNATURE_HEADERS.appId);
  const timestamp = header(SIGNATURE_HEADERS.timestamp);
  const nonce = header(SIGNATURE_HEADERS.nonce);
  const signature = header(SIGNATURE_HEADERS.signature)?.toLowerCase();
  if (!appId || !timestamp || !nonce || !signature)
    return fail(
      'invalid_signature',
      'missing_headers',
      'the request is not signed (signature headers missing)',
    );
  if (!TIMESTAMP.test(timestamp) || !NONCE.test(nonce) || !SIGNATURE.test(signature))
    return fail('invalid_signature', 'malformed_headers', 'the signature headers are malformed');
  if (!safeEqual(appId, input.appId)) return fail('invalid_signature', 'wrong_app_id', 'unknown app id');
  const skew = Math.abs(input.now.getTime() / 1000 - Number(timestamp));
  if (skew > input.windowSeconds)
    return fail(
      'stale_timestamp',
      'stale_timestamp',
      `the timestamp is outside the ±${input.windowSeconds} s window`,
    );
  const expected = sign(input.secret, timestamp, nonce, input.body);
  if (!safeEqual(signature, expected))
    return fail('invalid_signature', 'bad_signature', 'the signature does not match');
  return { ok: true };
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

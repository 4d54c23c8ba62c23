/**
 * Signing vectors for the 12345 gateway. There is no official 12345 interface (protocols file §3),
 * so these are self-made and documented in adapters/hotline-12345/README.md: each expected value
 * was computed outside bangban with
 *   printf '1795750800\nn0nce-7f3a9c\n<body>' | openssl dgst -sha256 -hmac 'bangban-12345-test-secret' -hex
 */
import { describe, expect, it } from 'vitest';
import { readHotlineSettings } from '../../../adapters/hotline-12345/hotline-settings.ts';
import {
  sign,
  signedHeaders,
  signingString,
  verifySignedRequest,
} from '../../../adapters/hotline-12345/signing.ts';

const SECRET = 'bangban-12345-test-secret';
const TIMESTAMP = '1795750800'; // 2026-11-27T02:20:00Z
const NONCE = 'n0nce-7f3a9c';
const BODY = '{"externalNo":"BB-20261127-K7Q2-1","title":"测试"}';

describe('12345 request signing (HMAC-SHA256 over timestamp \\n nonce \\n body)', () => {
  it('matches the vectors computed with openssl', () => {
    expect(signingString(TIMESTAMP, NONCE, BODY)).toBe(`1795750800\nn0nce-7f3a9c\n${BODY}`);
    expect(sign(SECRET, TIMESTAMP, NONCE, BODY)).toBe(
      '12a373f403d608fa4fcc2847662effebace4b00987a1f59d668ee03995d2b812',
    );
    expect(sign(SECRET, TIMESTAMP, NONCE, '')).toBe(
      'fc19b0d9d7ab11fd7ccff4b62de04715d8a3dd8105f30a3f6eeaaeecb3a1b854',
    );
  });

  const now = new Date(Number(TIMESTAMP) * 1000);
  const headers = signedHeaders({ appId: 'app-1', secret: SECRET, body: BODY, now, nonce: NONCE });
  const verify = (over: Partial<Parameters<typeof verifySignedRequest>[0]> = {}) =>
    verifySignedRequest({
      headers,
      body: BODY,
      appId: 'app-1',
      secret: SECRET,
      now,
      windowSeconds: 300,
      ...over,
    });

  it('verifies what it signs, inside the timestamp window', () => {
    expect(headers['x-hotline-signature']).toBe(
      '12a373f403d608fa4fcc2847662effebace4b00987a1f59d668ee03995d2b812',
    );
    expect(verify()).toEqual({ ok: true });
    expect(verify({ now: new Date(now.getTime() + 300_000) })).toEqual({ ok: true });
  });

  it('rejects a changed body, secret, app id, timestamp or signature', () => {
    expect(verify({ body: BODY.replace('测试', '测验') })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verify({ secret: 'another-secret-of-16+' })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verify({ appId: 'app-2' })).toMatchObject({ ok: false, reason: 'wrong_app_id' });
    expect(verify({ now: new Date(now.getTime() + 301_000) })).toMatchObject({
      ok: false,
      code: 'stale_timestamp',
    });
    expect(verify({ headers: { ...headers, 'x-hotline-signature': 'ab'.repeat(32) } })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verify({ headers: { ...headers, 'x-hotline-signature': 'zz' } })).toMatchObject({
      ok: false,
      reason: 'malformed_headers',
    });
    expect(verify({ headers: {} })).toMatchObject({ ok: false, reason: 'missing_headers' });
  });
});

describe('12345 gateway settings', () => {
  const full = {
    HOTLINE_12345_BASE_URL: 'https://12345.example.gov.cn/gw/',
    HOTLINE_12345_APP_ID: 'bangban',
    HOTLINE_12345_SECRET: 's'.repeat(32),
  };

  it('is off, saying how to switch it on, with no variables', () => {
    const read = readHotlineSettings({});
    expect(read).toMatchObject({ enabled: false });
    expect('reason' in read && read.reason).toContain('HOTLINE_12345_SECRET');
  });

  it('is on with all three, trimming the trailing slash', () => {
    expect(readHotlineSettings(full)).toEqual({
      enabled: true,
      settings: { baseUrl: 'https://12345.example.gov.cn/gw', appId: 'bangban', secret: 's'.repeat(32) },
    });
    expect(readHotlineSettings({ ...full, HOTLINE_12345_BASE_URL: 'http://127.0.0.1:9' })).toMatchObject({
      enabled: true,
    });
  });

  it('names each missing or bad variable when half set', () => {
    const half = readHotlineSettings({ HOTLINE_12345_BASE_URL: 'http://12345.example.gov.cn' });
    expect('errors' in half && half.errors.join('\n')).toMatch(
      /HOTLINE_12345_APP_ID[\s\S]*HOTLINE_12345_SECRET/,
    );
    expect('errors' in half && half.errors.join('\n')).toContain('HOTLINE_12345_BASE_URL: must be https://');
    const short = readHotlineSettings({ ...full, HOTLINE_12345_SECRET: 'short' });
    expect('errors' in short && short.errors).toEqual([
      'HOTLINE_12345_SECRET must have at least 16 characters',
    ]);
  });
});

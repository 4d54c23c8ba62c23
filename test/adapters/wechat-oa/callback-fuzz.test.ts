import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptMessage, msgSignature } from '../../../adapters/wecom/crypto.ts';
import { buildXml } from '../../../adapters/wecom/xml.ts';
import { queryRows } from '../../../src/storage/database.ts';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { testConfig } from '../../flows/flow-harness.ts';
import { useTestDatabase } from '../../helpers/db.ts';
import { ACCOUNT, signedPush, startOaHarness, TOKEN, type OaHarness } from './wechat-oa-harness.ts';

/**
 * TARGETS.md R3 and the bad-input list at /callbacks/wechat-oa: wrong or missing signatures
 * → 401, malformed XML → 400, and under random bodies and signatures always a 4xx with a code, never
 * a 5xx, and nothing stored (inbox, outbox, citizen windows).
 */
describe('WeChat OA callback under hostile input', () => {
  const test = useTestDatabase('pglite');
  const config = testConfig();
  let h: OaHarness;
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, config);
    h = await startOaHarness(test.database, config);
  });
  afterAll(() => h.close());

  const url = (query: URLSearchParams | string) => `${h.app.url}/callbacks/wechat-oa?${query}`;
  const post = (query: URLSearchParams | string, body: string | Uint8Array, type = 'text/xml') =>
    fetch(url(query), { method: 'POST', headers: { 'Content-Type': type }, body });
  const stored = async () => {
    const [row] = await queryRows<{ n: string }>(
      test.database.db,
      sql`select (select count(*) from inbox) + (select count(*) from outbox) + (select count(*) from wechat_oa_citizens) as n`,
    );
    return Number(row!.n);
  };
  const errorOf = async (response: Response) =>
    ((await response.json()) as { error: { code: string; details?: { reason?: string } } }).error;
  const text = () =>
    buildXml({
      ToUserName: ACCOUNT,
      FromUserName: 'o-x',
      CreateTime: Number(h.now()),
      MsgType: 'text',
      Content: 'x',
      MsgId: '1',
    });

  it('GET: echostr unchanged with the right signature; 401 when wrong or missing', async () => {
    const timestamp = h.now();
    const good = new URLSearchParams({
      signature: msgSignature(TOKEN, timestamp, 'n1'),
      timestamp,
      nonce: 'n1',
      echostr: 'ab+/=12',
    });
    const ok = await fetch(url(good));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('ab+/=12');
    const wrong = new URLSearchParams(good);
    wrong.set('signature', 'f'.repeat(40));
    expect((await fetch(url(wrong))).status).toBe(401);
    const missing = new URLSearchParams(good);
    missing.delete('signature');
    const response = await fetch(url(missing));
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: 'invalid_signature' });
  });

  it('POST plaintext: wrong or missing signature → 401; malformed XML → 400; stale → 401', async () => {
    const push = signedPush(text(), { mode: 'plaintext', timestamp: h.now() });
    const wrong = new URLSearchParams(push.query);
    wrong.set('signature', '0'.repeat(40));
    expect((await post(wrong, push.body)).status).toBe(401);
    const missing = new URLSearchParams(push.query);
    missing.delete('signature');
    expect((await post(missing, push.body)).status).toBe(401);
    const malformed = await post(push.query, '<xml><ToUserName>gh</ToUserName><Content>');
    expect(malformed.status).toBe(400);
    expect(await errorOf(malformed)).toMatchObject({
      code: 'bad_request',
      details: { reason: 'malformed_message' },
    });
    const old = signedPush(text(), { mode: 'plaintext', timestamp: String(Number(h.now()) - 3600) });
    expect(await errorOf(await post(old.query, old.body))).toMatchObject({ code: 'stale_timestamp' });
    expect((await post(push.query, push.body, 'image/png')).status).toBe(415);
    expect(await stored()).toBe(0);
  });

  it('POST safe mode: a bad msg_signature → 401, even with a valid 3-part signature', async () => {
    const push = signedPush(text(), { mode: 'safe', timestamp: h.now() });
    const bad = new URLSearchParams(push.query);
    bad.set('msg_signature', push.query.get('signature')!);
    const response = await post(bad, push.body);
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: 'invalid_signature' });
    expect(await stored()).toBe(0);
  });

  it('random bodies, signatures and envelopes are always a 4xx with a code, and nothing is stored', async () => {
    const signedEnvelope = (encrypt: string) => {
      const timestamp = h.now();
      const nonce = 'n0nce';
      return {
        query: new URLSearchParams({
          signature: msgSignature(TOKEN, timestamp, nonce),
          msg_signature: msgSignature(TOKEN, timestamp, nonce, encrypt),
          encrypt_type: 'aes',
          timestamp,
          nonce,
        }),
        body: buildXml({ ToUserName: ACCOUNT, Encrypt: encrypt }),
        type: 'text/xml',
      };
    };
    const signedPlain = (body: string, type = 'text/xml') => ({
      ...signedPush(body, { mode: 'plaintext', timestamp: h.now() }),
      body,
      type,
    });
    const aes = h.channel.settings.aes!;
    type Case = { query: URLSearchParams; body: string | Uint8Array; type: string };
    const cases: fc.Arbitrary<Case>[] = [
      // Random bytes with random signatures.
      fc
        .tuple(
          fc.uint8Array({ maxLength: 2000 }),
          fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 40 }),
          fc.constantFrom('text/xml', 'application/json', 'text/plain'),
        )
        .map(([bytes, sig, type]) => ({
          query: new URLSearchParams({
            signature: sig,
            timestamp: h.now(),
            nonce: 'n',
            encrypt_type: 'aes',
            msg_signature: sig,
          }),
          body: bytes,
          type,
        })),
      // Correctly signed plaintext pushes of random text (XML and JSON).
      fc.string({ maxLength: 500 }).map((s) => signedPlain(`<xml>${s}`)),
      fc.string({ maxLength: 300 }).map((s) => signedPlain(s, 'application/json')),
      fc
        .dictionary(
          fc.constantFrom('ToUserName', 'FromUserName', 'MsgType', 'MsgId', 'Event', 'Location_X', 'Content'),
          fc.string({ maxLength: 30 }),
        )
        .map((fields) => signedPlain(buildXml(fields))),
      // Signed envelopes whose Encrypt is garbage, bad base64, or a frame for another AppID.
      fc.string({ minLength: 1, maxLength: 300 }).map(signedEnvelope),
      fc
        .uint8Array({ minLength: 1, maxLength: 400 })
        .map((b) => signedEnvelope(Buffer.from(b).toString('base64'))),
      fc
        .string({ maxLength: 100 })
        .map((s) => signedEnvelope(encryptMessage(aes, `<xml>${s}</xml>`, 'wxsomeoneelse00'))),
      fc
        .string({ maxLength: 100 })
        .map((s) => signedEnvelope(encryptMessage(aes, s, h.channel.settings.appId))),
    ];
    await fc.assert(
      fc.asyncProperty(fc.oneof(...cases), async (c) => {
        const response = await post(c.query, c.body, c.type);
        const status = response.status;
        const body = await response.text();
        expect(status, body).toBeGreaterThanOrEqual(400);
        expect(status, body).toBeLessThan(500);
        expect((JSON.parse(body) as { error: { code: string } }).error.code).toMatch(/^[a-z_]+$/);
      }),
      { numRuns: 250 },
    );
    expect(await stored()).toBe(0);
  });
});

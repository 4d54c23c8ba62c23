import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptMessage, msgSignature } from '../../../adapters/wecom/crypto.ts';
import { buildXml } from '../../../adapters/wecom/xml.ts';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { queryRows } from '../../../src/storage/database.ts';
import { sql } from 'drizzle-orm';
import { testConfig } from '../../flows/flow-harness.ts';
import { useTestDatabase } from '../../helpers/db.ts';
import { CORP_ID, startWecomHarness, TOKEN, type WecomHarness } from './wecom-harness.ts';

/**
 * TARGETS.md R3: malformed XML, bad base64, wrong padding, wrong receiveid, wrong signatures,
 * stale timestamps, wrong content types, huge bodies and random bytes at POST /callbacks/wecom →
 * always a 4xx with a machine-readable code, never a 5xx or a crash, and nothing stored.
 */
describe('WeCom callback under hostile input', () => {
  const test = useTestDatabase('pglite');
  const config = testConfig();
  let h: WecomHarness;
  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, config);
    h = await startWecomHarness(test.database, config);
  });
  afterAll(() => h.close());

  const now = () => String(Math.floor(h.clock.now().getTime() / 1000));
  const aes = () => h.channel.settings.aes;

  /** A signed request for `encrypt` (so only what is inside can be wrong). */
  const signed = (encrypt: string, timestamp = now(), nonce = 'n0nce') => ({
    query: new URLSearchParams({
      msg_signature: msgSignature(TOKEN, timestamp, nonce, encrypt),
      timestamp,
      nonce,
    }),
    body: buildXml({ ToUserName: CORP_ID, Encrypt: encrypt }),
  });
  const rawCipher = (plain: Buffer) => {
    const c = createCipheriv('aes-256-cbc', aes().key, aes().iv);
    c.setAutoPadding(false);
    return Buffer.concat([c.update(plain), c.final()]).toString('base64');
  };
  const validText = (from = 'ZhangWei') =>
    buildXml({
      ToUserName: CORP_ID,
      FromUserName: from,
      CreateTime: 1,
      MsgType: 'text',
      Content: 'x',
      MsgId: '1',
    });

  type Case = { query: URLSearchParams; body: string | Uint8Array; type: string };
  const xml = (c: { query: URLSearchParams; body: string }): Case => ({ ...c, type: 'text/xml' });

  const cases: fc.Arbitrary<Case>[] = [
    // Random bytes and random text with a plausible query.
    fc
      .tuple(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom('text/xml', 'application/xml', 'text/plain'))
      .map(([bytes, type]) => ({
        query: new URLSearchParams({ msg_signature: 'a'.repeat(40), timestamp: '1', nonce: 'n' }),
        body: bytes,
        type,
      })),
    // Malformed envelopes, correctly signed over whatever Encrypt they carry.
    fc.string({ maxLength: 500 }).map((s) => xml({ ...signed(s), body: `<xml><Encrypt>${s}` })),
    // Bad base64 inside a well-formed, signed envelope.
    fc
      .string({ minLength: 1, maxLength: 300 })
      .filter((s) => !/^[A-Za-z0-9+/]+=*$/.test(s))
      .map((s) => xml(signed(s))),
    // Valid base64 of the wrong length or of random bytes (wrong padding / wrong key).
    fc
      .uint8Array({ minLength: 1, maxLength: 400 })
      .map((b) => xml(signed(Buffer.from(b).toString('base64')))),
    // Well-aligned ciphertext whose padding bytes are wrong.
    fc
      .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 255 }))
      .filter(([, p]) => p === 0 || p > 32)
      .map(([blocks, pad]) => {
        const plain = randomBytes(blocks * 32);
        plain[plain.length - 1] = pad;
        return xml(signed(rawCipher(plain)));
      }),
    // A real message for another corp (wrong receiveid).
    fc
      .string({ minLength: 1, maxLength: 30 })
      .filter((id) => id !== CORP_ID)
      .map((id) => xml(signed(encryptMessage(aes(), validText(), id)))),
    // Garbage plaintext, properly encrypted and signed.
    fc.string({ maxLength: 400 }).map((s) => xml(signed(encryptMessage(aes(), s, CORP_ID)))),
    // A real message with a wrong signature.
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 60 }).map((sig) => {
      const good = signed(encryptMessage(aes(), validText(), CORP_ID));
      good.query.set('msg_signature', sig);
      return xml(good);
    }),
    // A real message, signed, but stale or from the future.
    fc
      .integer({ min: 301, max: 10_000_000 })
      .chain((skew) => fc.constantFrom(-skew, skew))
      .map((skew) => xml(signed(encryptMessage(aes(), validText(), CORP_ID), String(Number(now()) + skew)))),
    // A real message with a content type that is not XML.
    fc
      .constantFrom(
        'application/json',
        'image/png',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
      )
      .map((type) => ({
        ...signed(encryptMessage(aes(), validText(), CORP_ID)),
        type,
      })),
    // Missing or repeated query parameters.
    fc.constantFrom('msg_signature', 'timestamp', 'nonce').map((name) => {
      const c = signed(encryptMessage(aes(), validText(), CORP_ID));
      c.query.delete(name);
      return xml(c);
    }),
  ];

  it('answers every malformed callback with a 4xx and a code, and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(...cases), async (c) => {
        const res = await fetch(`${h.app.url}/callbacks/wecom?${c.query}`, {
          method: 'POST',
          headers: { 'Content-Type': c.type },
          body: c.body,
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        const body = (await res.json()) as { error: { code: string } };
        expect(body.error.code).toMatch(/^[a-z_]+$/);
      }),
      { numRuns: 300 },
    );
    const [counts] = await queryRows<{ inbox: number; outbox: number }>(
      test.database.db,
      sql`select (select count(*) from inbox)::int as inbox, (select count(*) from outbox)::int as outbox`,
    );
    expect(counts).toEqual({ inbox: 0, outbox: 0 });
  });

  it('answers every malformed URL verification (GET) with a 4xx and a code', async () => {
    const param = fc.option(fc.string({ maxLength: 200 }), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(param, param, param, param),
        async ([signature, timestamp, nonce, echostr]) => {
          const query = new URLSearchParams();
          if (signature !== undefined) query.set('msg_signature', signature);
          if (timestamp !== undefined) query.set('timestamp', timestamp);
          if (nonce !== undefined) query.set('nonce', nonce);
          if (echostr !== undefined) query.set('echostr', echostr);
          const res = await fetch(`${h.app.url}/callbacks/wecom?${query}`);
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/^[a-z_]+$/);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses a huge body with 413', async () => {
    const res = await fetch(`${h.app.url}/callbacks/wecom?msg_signature=a&timestamp=1&nonce=n`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml' },
      body: `<xml><Encrypt>${'A'.repeat(600_000)}</Encrypt></xml>`,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });
});

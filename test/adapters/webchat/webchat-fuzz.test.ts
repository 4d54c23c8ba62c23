import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.ts';
import { startWebchat, type WebchatHarness } from './webchat-harness.ts';

/** TARGETS.md R3: whatever arrives at the public widget API, the answer is a 2xx or a clear 4xx. */
describe('webchat API under random input', () => {
  const test = useTestDatabase('pglite');
  let h: WebchatHarness;
  let session: { sessionId: string; token: string };
  beforeAll(async () => {
    h = await startWebchat(test.database, {
      limits: { messagesPerMinute: 10_000, sessionsPerMinutePerIp: 10_000, uploadMaxBytes: 4096 },
    });
    session = await h.newSession();
  });
  afterAll(async () => {
    await h.close();
  });

  const contentTypes = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin-9',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/xml',
    'image/png',
    'image/jpeg',
    'multipart/form-data; boundary=x',
    '',
    'garbage/!!',
  );
  const jsonish = fc.oneof(
    fc.json(),
    fc.jsonValue().map((v) => JSON.stringify({ text: v })),
    fc.string({ unit: 'grapheme' }).map((text) => JSON.stringify({ text })),
    fc.string(),
    fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  );
  const bodies = fc.oneof(
    jsonish.map((s) => Buffer.from(s, 'utf8')),
    fc.uint8Array({ maxLength: 5000 }).map((b) => Buffer.from(b)),
  );
  const paths = fc.constantFrom(
    '/webchat/sessions',
    '/webchat/sessions/{id}/messages',
    '/webchat/sessions/{id}/uploads',
    '/webchat/sessions/{id}/enter',
  );
  const auths = fc.constantFrom('valid', 'none', 'wrong', 'garbage');
  const ids = fc.constantFrom('valid', 'unknown', 'weird');

  it('never answers 5xx and always explains a 4xx with a code', async () => {
    await fc.assert(
      fc.asyncProperty(
        paths,
        contentTypes,
        bodies,
        auths,
        ids,
        fc.option(fc.string({ maxLength: 120 })),
        async (path, type, body, auth, id, key) => {
          const sessionId =
            id === 'valid'
              ? session.sessionId
              : id === 'unknown'
                ? 'AAAAAAAAAAAAAAAAAAAAAA'
                : '%E4%B8%AD..%2F';
          const headers: Record<string, string> = {};
          if (type) headers['Content-Type'] = type;
          if (auth === 'valid') headers['Authorization'] = `Bearer ${session.token}`;
          if (auth === 'wrong') headers['Authorization'] = 'Bearer AAAA';
          if (auth === 'garbage') headers['Authorization'] = 'Basic ???';
          if (key !== null && /^[\x20-\x7e]*$/.test(key)) headers['Idempotency-Key'] = key;
          const res = await fetch(`${h.t.url}${path.replace('{id}', sessionId)}`, {
            method: 'POST',
            headers,
            body,
          });
          const text = await res.text();
          expect(res.status, text).toBeLessThan(500);
          if (res.status >= 400)
            expect(JSON.parse(text)).toMatchObject({
              error: { code: expect.any(String), message: expect.any(String) },
            });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never answers 5xx to random cursors and tokens on the read routes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('messages', 'events', 'media/x.png'),
        fc.string(),
        fc.string(),
        async (route, after, token) => {
          const query = new URLSearchParams({ after, token, lastEventId: after });
          const res = await fetch(`${h.t.url}/webchat/sessions/${session.sessionId}/${route}?${query}`, {
            signal: AbortSignal.timeout(2000),
          });
          await res.body?.cancel();
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  });
});

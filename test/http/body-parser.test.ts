import { gzipSync } from 'node:zlib';
import { request } from 'node:http';
import { Router } from '@koa/router';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AppState } from '../../src/http/app-state.ts';
import { requireContentType } from '../../src/http/require-content-type.ts';
import { startTestApp, type TestApp } from './test-app.ts';

const noteSchema = z.object({ text: z.string().max(200) });

function routes(): Router<AppState> {
  const router = new Router<AppState>();
  // Echoes what a signature check would hash, and what the parser made of it.
  router.post('/raw', (ctx) => {
    ctx.body = { rawBody: ctx.request.rawBody ?? null, body: ctx.request.body ?? null };
  });
  router.post('/notes', requireContentType('json'), (ctx) => {
    const note = noteSchema.parse(ctx.request.body);
    ctx.status = 201;
    ctx.body = note;
  });
  router.post('/callback', requireContentType('xml'), (ctx) => {
    ctx.body = { length: ctx.request.rawBody.length };
  });
  return router;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ routers: [routes()], bodyLimits: { json: '1kb', xml: '512b' } });
});
afterAll(async () => {
  await t.close();
});

async function post(
  path: string,
  contentType: string | undefined,
  body: string | Uint8Array,
  extra: Record<string, string> = {},
) {
  const headers: Record<string, string> = { ...extra };
  if (contentType !== undefined) headers['content-type'] = contentType;
  const res = await fetch(t.url + path, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

describe('raw body for signature checks', () => {
  // Whitespace and key order matter to an HMAC: the raw text must be byte-for-byte what was sent.
  const json = '{ "b": 1,\n  "a": "签名"  }';
  const xml = '<xml><ToUserName><![CDATA[ww1234]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt></xml>';

  it('keeps rawBody for application/json and parses it', async () => {
    const res = (await post('/raw', 'application/json; charset=utf-8', json)).json();
    expect(res).toEqual({ rawBody: json, body: { b: 1, a: '签名' } });
  });

  it.each(['text/xml', 'application/xml', 'text/xml; charset=utf-8'])(
    'keeps rawBody for %s as the body string',
    async (type) => {
      expect((await post('/raw', type, xml)).json()).toEqual({ rawBody: xml, body: xml });
    },
  );

  it('keeps rawBody for forms and plain text', async () => {
    expect((await post('/raw', 'application/x-www-form-urlencoded', 'a=1&b=%E4%B8%AD')).json()).toEqual({
      rawBody: 'a=1&b=%E4%B8%AD',
      body: { a: '1', b: '中' },
    });
    expect((await post('/raw', 'text/plain', 'hello')).json()).toEqual({ rawBody: 'hello', body: 'hello' });
  });

  it('keeps the raw text of a gzip-encoded body after inflating it', async () => {
    const res = await post('/raw', 'application/json', gzipSync(Buffer.from(json)), {
      'content-encoding': 'gzip',
    });
    expect(res.json()).toEqual({ rawBody: json, body: { b: 1, a: '签名' } });
  });
});

describe('body errors', () => {
  it('answers 413 payload_too_large for JSON over the limit', async () => {
    const res = await post('/notes', 'application/json', JSON.stringify({ text: 'x'.repeat(2000) }));
    expect(res.status).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'payload_too_large', details: { limit: 1024 } } });
  });

  it('applies the XML limit to text/xml', async () => {
    const res = await post('/callback', 'text/xml', `<xml>${'a'.repeat(600)}</xml>`);
    expect(res.status).toBe(413);
    expect((await post('/callback', 'text/xml', '<xml>small</xml>')).json()).toEqual({ length: 16 });
  });

  it('answers 413 for a chunked upload without content-length', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${t.url}/notes`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write('{"text":"');
      req.write('y'.repeat(4000));
      req.end('"}');
    });
    expect(status).toBe(413);
  });

  it('measures the limit after inflating, so a small gzip bomb is still 413', async () => {
    const bomb = gzipSync(Buffer.from(JSON.stringify({ text: ' '.repeat(50_000) })));
    expect(bomb.length).toBeLessThan(1024);
    expect((await post('/notes', 'application/json', bomb, { 'content-encoding': 'gzip' })).status).toBe(413);
  });

  it.each([
    ['truncated', '{"text": "abc"'],
    ['a bare string', '"just a string"'],
    ['trailing garbage', '{"text":"a"} x'],
    ['prototype poisoning', '{"__proto__": {"admin": true}}'],
  ])('answers 400 bad_request for malformed JSON (%s)', async (_name, body) => {
    const res = await post('/notes', 'application/json', body);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'bad_request', message: 'Request body is not valid JSON' } });
  });

  it('answers 400 for a body that claims gzip but is not', async () => {
    const res = await post('/notes', 'application/json', 'not gzip at all', { 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'bad_request' } });
  });

  it('answers 415 for an unknown content-encoding', async () => {
    const res = await post('/notes', 'application/json', '{"text":"a"}', { 'content-encoding': 'x-bogus' });
    expect(res.status).toBe(415);
    expect(res.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
  });
});

describe('requireContentType', () => {
  it('answers 415 when a JSON route gets XML, naming what it accepts', async () => {
    const res = await post('/notes', 'text/xml', '<xml/>');
    expect(res.status).toBe(415);
    expect(res.json()).toEqual({
      error: {
        code: 'unsupported_media_type',
        message: 'Content-Type must be one of application/json, +json; got text/xml',
        details: { accepted: ['application/json', '+json'] },
      },
    });
  });

  it('accepts both XML media types for "xml"', async () => {
    expect((await post('/callback', 'application/xml', '<xml/>')).status).toBe(200);
    expect((await post('/callback', 'text/xml', '<xml/>')).status).toBe(200);
  });

  it('lets a bodiless request through to the route validation', async () => {
    const res = await fetch(`${t.url}/notes`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'validation_failed' } });
  });
});

describe('robustness', () => {
  const contentType = fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/vnd.api+json',
      'text/xml',
      'application/xml',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/octet-stream',
      'application/json;',
      ';;',
      '',
    ),
    fc.stringMatching(/^[a-z]{1,8}\/[a-z+.*-]{1,12}(; ?[a-z]{1,8}=[a-z0-9"-]{0,10})?$/),
  );
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 1500 }),
    fc.string({ maxLength: 300 }),
    fc.json().map((text) => text),
    fc.record({ text: fc.string({ maxLength: 250 }) }).map((value) => JSON.stringify(value)),
  );
  const encoding = fc.constantFrom(undefined, 'identity', 'gzip', 'deflate', 'br', 'x-bogus');

  it('never answers 5xx to random bodies with random content types on a JSON route', async () => {
    await fc.assert(
      fc.asyncProperty(contentType, body, encoding, async (type, payload, contentEncoding) => {
        const extra: Record<string, string> =
          contentEncoding === undefined ? {} : { 'content-encoding': contentEncoding };
        const res = await post('/notes', type === '' ? undefined : type, payload, extra);
        expect(res.status).toBeLessThan(500);
        expect(res.json()).toBeTypeOf('object');
      }),
      { numRuns: 150 },
    );
  });
});

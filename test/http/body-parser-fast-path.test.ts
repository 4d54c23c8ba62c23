import { request } from 'node:http';
import { Router } from '@koa/router';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppState } from '../../src/http/app-state.ts';
import { startTestApp, type TestApp } from './test-app.ts';

/**
 * Small text/xml and text/plain bodies with a Content-Length are read by the body parser's own
 * fast path; every other request by @koa/bodyparser. The two must not differ: same string in
 * `body` and `rawBody` (UTF-8, replacement characters for invalid bytes, no leading BOM), same
 * limits and errors. `text/xml;charset=utf-8` (no space) takes the general path, so posting the
 * same bytes under both spellings compares the paths.
 */
const FAST = 'text/xml';
const GENERAL = 'text/xml;charset=utf-8';

let t: TestApp;
beforeAll(async () => {
  const router = new Router<AppState>();
  router.post('/raw', (ctx) => {
    ctx.body = { rawBody: ctx.request.rawBody ?? null, body: ctx.request.body ?? null };
  });
  t = await startTestApp({ routers: [router], bodyLimits: { xml: '512b', text: '1kb' } });
});
afterAll(async () => {
  await t.close();
});

/** POSTs `chunks` as separate writes under one Content-Length (or chunked when `length` is null). */
function post(
  contentType: string,
  chunks: Uint8Array[],
  options: { length?: number | null; headers?: Record<string, string> } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const length = options.length === undefined ? total : options.length;
  return new Promise((resolve, reject) => {
    const req = request(
      `${t.url}/raw`,
      {
        method: 'POST',
        headers: {
          'content-type': contentType,
          ...(length === null ? {} : { 'content-length': String(length) }),
          ...options.headers,
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const splitAt = (bytes: Uint8Array, cuts: number[]): Uint8Array[] => {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const point of points) {
    parts.push(bytes.subarray(from, point));
    from = point;
  }
  parts.push(bytes.subarray(from));
  return parts.filter((part) => part.length > 0);
};

describe('body parser fast path', () => {
  it('reads a WeCom-style envelope into body and rawBody, byte for byte', async () => {
    const xml = '<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt></xml>';
    const res = await post(FAST, [Buffer.from(xml)]);
    expect(res).toEqual({ status: 200, json: { rawBody: xml, body: xml } });
  });

  it('gives the same string as the general parser for any bytes, however they arrive', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }).map((s) => new Uint8Array(Buffer.from(s))),
      fc.uint8Array({ maxLength: 60 }).map((b) => new Uint8Array([0xef, 0xbb, 0xbf, ...b])),
      fc.constantFrom(
        new Uint8Array([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]),
        new Uint8Array([0xe4, 0xb8]),
        new Uint8Array([0xff, 0xfe, 0x3c, 0x00]),
        new Uint8Array([0xed, 0xa0, 0x80]),
      ),
    );
    await fc.assert(
      fc.asyncProperty(bytes, fc.array(fc.nat(500), { maxLength: 3 }), async (body, cuts) => {
        const chunks = splitAt(body, cuts);
        const fast = await post(FAST, chunks);
        const general = await post(GENERAL, chunks);
        expect(fast.status).toBe(200);
        expect(fast).toEqual(general);
      }),
      { numRuns: 150 },
    );
  });

  it.each(['text/xml', 'application/xml', 'TEXT/XML', 'text/xml; charset=utf-8', 'text/plain'])(
    'takes %s and answers like the general parser',
    async (type) => {
      const body = Buffer.from('\ufeff<xml><A>签名</A></xml>');
      expect(await post(type, [body])).toEqual({
        status: 200,
        json: { rawBody: '<xml><A>签名</A></xml>', body: '<xml><A>签名</A></xml>' },
      });
    },
  );

  it('applies the XML limit (413 payload_too_large with the limit) on both paths', async () => {
    const big = Buffer.from(`<xml>${'a'.repeat(600)}</xml>`);
    for (const type of [FAST, GENERAL]) {
      const res = await post(type, [big]);
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({ error: { code: 'payload_too_large', details: { limit: 512 } } });
    }
    // Exactly at the limit is fine.
    const exact = Buffer.from(`<xml>${'a'.repeat(512 - 11)}</xml>`);
    expect(exact.length).toBe(512);
    expect((await post(FAST, [exact])).status).toBe(200);
  });

  it('applies the text limit to text/plain, and a chunked body still meets the limit', async () => {
    expect((await post('text/plain', [Buffer.from('x'.repeat(1000))])).status).toBe(200);
    const over = await post('text/plain', [Buffer.from('x'.repeat(1100))]);
    expect(over.status).toBe(413);
    expect(over.json).toMatchObject({ error: { code: 'payload_too_large', details: { limit: 1024 } } });
    const chunked = await post(FAST, [Buffer.from('<xml>'), Buffer.from('a'.repeat(600))], { length: null });
    expect(chunked.status).toBe(413);
  });

  it('leaves gzip bodies to the general parser, which inflates them', async () => {
    const { gzipSync } = await import('node:zlib');
    const xml = '<xml><A>1</A></xml>';
    const res = await post(FAST, [gzipSync(Buffer.from(xml))], { headers: { 'content-encoding': 'gzip' } });
    expect(res).toEqual({ status: 200, json: { rawBody: xml, body: xml } });
  });
});

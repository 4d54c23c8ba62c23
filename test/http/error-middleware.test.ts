import { Router } from '@koa/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../src/core/errors.ts';
import type { AppState } from '../../src/http/app-state.ts';
import { toErrorResponse } from '../../src/http/error-middleware.ts';
import { startTestApp, waitFor, type TestApp } from './test-app.ts';

const itemSchema = z.object({ name: z.string().min(1), tags: z.array(z.string()) });

function routes(): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/conflict', () => {
    throw new AppError('conflict', 'Conversation 42 is already closed', {
      details: { conversationId: '42' },
    });
  });
  router.get('/signature', () => {
    throw new AppError('invalid_signature', 'Signature does not match');
  });
  router.get('/config', () => {
    throw new AppError('config_invalid', 'rota.shifts[2].start: expected HH:mm at /etc/bangban/secret.yaml', {
      details: { path: '/etc/bangban/secret.yaml' },
    });
  });
  router.get('/storage', () => {
    throw new AppError('storage_unavailable', 'connect ECONNREFUSED 10.0.0.5:5432');
  });
  router.get('/bug', () => {
    throw new TypeError("Cannot read properties of undefined (reading 'rows') at db.ts:12");
  });
  router.get('/throws-string', () => {
    throw 'not an error object';
  });
  router.get('/koa-throw', (ctx) => ctx.throw(403, 'Only supervisors may do this'));
  router.get('/koa-throw-500', (ctx) => ctx.throw(500, 'secret internals'));
  router.get('/xml-then-fail', (ctx) => {
    ctx.type = 'text/xml';
    throw new AppError('bad_request', 'XML missing ToUserName');
  });
  router.post('/items', (ctx) => {
    const item = itemSchema.parse(ctx.request.body);
    ctx.status = 201;
    ctx.body = item;
  });
  router.get('/items/:id', (ctx) => {
    ctx.body = { id: ctx.params['id'] };
  });
  router.put('/items/:id', (ctx) => {
    ctx.body = { id: ctx.params['id'] };
  });
  return router;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ routers: [routes()] });
});
afterAll(async () => {
  await t.close();
});

async function get(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(t.url + path, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}

describe('error middleware over HTTP', () => {
  it('maps a client AppError to its status with code, message and details', async () => {
    const res = await get('/conflict');
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      error: {
        code: 'conflict',
        message: 'Conversation 42 is already closed',
        details: { conversationId: '42' },
      },
    });
  });

  it('maps 401 codes', async () => {
    const res = await get('/signature');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'invalid_signature', message: 'Signature does not match' } });
  });

  it('hides the message and details of a 5xx AppError but keeps its code', async () => {
    const res = await get('/config');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'config_invalid', message: 'Internal server error' } });
    expect(JSON.stringify(res.body)).not.toContain('secret.yaml');
  });

  it('answers 503 storage_unavailable without naming the host', async () => {
    const res = await get('/storage');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      error: { code: 'storage_unavailable', message: 'The service is temporarily unavailable' },
    });
  });

  it('turns an unknown error into a generic 500 and logs it with the request id', async () => {
    const res = await get('/bug', { headers: { 'x-request-id': 'bug-trace-1' } });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'internal', message: 'Internal server error' } });
    expect(JSON.stringify(res.body)).not.toMatch(/rows|db\.ts|TypeError/);
    const logged = await waitFor(() =>
      t.records().find((r) => r['reqId'] === 'bug-trace-1' && r['msg'] === 'request failed'),
    );
    expect(logged['level']).toBe(50);
    expect(JSON.stringify(logged['err'])).toContain("reading 'rows'");
  });

  it('survives a thrown non-Error value', async () => {
    const res = await get('/throws-string');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'internal', message: 'Internal server error' } });
  });

  it('maps ctx.throw(4xx) by status and keeps 5xx messages private', async () => {
    expect(await get('/koa-throw')).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden', message: 'Only supervisors may do this' } },
    });
    expect(await get('/koa-throw-500')).toMatchObject({
      status: 500,
      body: { error: { code: 'internal', message: 'Internal server error' } },
    });
  });

  it('answers JSON even when the handler had set another content type', async () => {
    const res = await get('/xml-then-fail');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('maps zod errors to 400 validation_failed with the issue paths', async () => {
    const res = await get('/items', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '', tags: ['ok', 7] }),
    });
    expect(res.status).toBe(400);
    const body = res.body as {
      error: { code: string; message: string; details: { issues: { path: string }[] } };
    };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.issues.map((issue) => issue.path)).toEqual(['name', 'tags[1]']);
    expect(body.error.message).toMatch(/^Invalid request: name: .+ \(and 1 more\)$/);
  });

  it('accepts a valid body on the same route', async () => {
    const res = await get('/items', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '化妆品生产许可', tags: [] }),
    });
    expect(res).toMatchObject({ status: 201, body: { name: '化妆品生产许可', tags: [] } });
  });

  it('answers 404 not_found as JSON for an unknown path', async () => {
    const res = await get('/nope?token=abc');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'No route for GET /nope' } });
  });

  it('answers 404, not 500, for a malformed percent-encoded path', async () => {
    expect((await get('/%E0%A4%A')).status).toBe(404);
    expect((await get('/items/%E0%A4%A')).status).toBe(200);
  });

  it('answers 405 method_not_allowed with an Allow header for a known path', async () => {
    const res = await get('/items/7', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('HEAD, GET, PUT');
    expect(res.body).toEqual({
      error: {
        code: 'method_not_allowed',
        message: 'Method DELETE is not allowed on /items/7',
        details: { allowed: ['HEAD', 'GET', 'PUT'] },
      },
    });
  });

  it('answers 405, not 501, for a method the router never routes', async () => {
    const res = await get('/items/7', { method: 'PROPFIND' });
    expect(res.status).toBe(405);
    expect(res.body).toMatchObject({ error: { code: 'method_not_allowed' } });
  });

  it('still answers OPTIONS on a known path', async () => {
    const res = await get('/items/7', { method: 'OPTIONS' });
    expect(res.status).toBe(200);
    expect(res.headers.get('allow')).toBe('HEAD, GET, PUT');
  });
});

describe('toErrorResponse', () => {
  it('maps an http-errors style 4xx with an unknown status to 400 bad_request', () => {
    const error = Object.assign(new Error('I am a teapot'), { status: 418, expose: true });
    expect(toErrorResponse(error)).toEqual({
      status: 400,
      body: { error: { code: 'bad_request', message: 'I am a teapot' } },
      headers: {},
    });
  });

  it('does not trust a status above 499 on a foreign error', () => {
    const error = Object.assign(new Error('pool exhausted'), { status: 502 });
    expect(toErrorResponse(error).body).toEqual({
      error: { code: 'internal', message: 'Internal server error' },
    });
  });

  it('names the root for a zod issue without a path', () => {
    const result = z.string().safeParse(5);
    expect(toErrorResponse(result.error).body.error.message).toMatch(/^Invalid request: \(root\): /);
  });
});

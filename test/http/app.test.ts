import { Router } from '@koa/router';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppState } from '../../src/http/app-state.ts';
import { createApp } from '../../src/http/app.ts';
import { mountRouter } from '../../src/http/mount-router.ts';
import { startServer } from '../../src/http/server.ts';
import { createMetrics } from '../../src/metrics.ts';
import { captureLogger, startTestApp, waitFor, type TestApp } from './test-app.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function echoRouter(): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/callbacks/echo', (ctx) => {
    ctx.state.log.info({ step: 'inside' }, 'handler ran');
    ctx.body = { requestId: ctx.state.requestId };
  });
  return router;
}

describe('request id and access log', () => {
  it('keeps a sane x-request-id, echoes it and binds it to the logs', async () => {
    t = await startTestApp({ routers: [echoRouter()] });
    const res = await fetch(`${t.url}/callbacks/echo`, { headers: { 'x-request-id': 'lb-7f3a.01_x' } });
    expect(res.headers.get('x-request-id')).toBe('lb-7f3a.01_x');
    expect(await res.json()).toEqual({ requestId: 'lb-7f3a.01_x' });
    const inside = t.records().find((r) => r['msg'] === 'handler ran');
    expect(inside?.['reqId']).toBe('lb-7f3a.01_x');
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'id with spaces'],
    ['percent-encoded', 'abc%0Ainjected'],
    ['with a quote and braces', 'x"}{"level":60'],
  ])('replaces an id that is %s with a generated one', async (_why, incoming) => {
    t = await startTestApp({ routers: [echoRouter()] });
    const res = await fetch(`${t.url}/callbacks/echo`, { headers: { 'x-request-id': incoming } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ requestId: id });
  });

  it('generates distinct ids when none is sent', async () => {
    t = await startTestApp({ routers: [echoRouter()] });
    const a = (await fetch(`${t.url}/callbacks/echo`)).headers.get('x-request-id');
    const b = (await fetch(`${t.url}/callbacks/echo`)).headers.get('x-request-id');
    expect(a).not.toBe(b);
  });

  it('writes one access line per request with the path but never the query string', async () => {
    t = await startTestApp({ routers: [echoRouter()] });
    const res = await fetch(
      `${t.url}/callbacks/echo?msg_signature=abc123sig&timestamp=1&nonce=n0nce&echostr=EchoSecret`,
      {
        headers: { 'x-request-id': 'access-1' },
      },
    );
    await res.text();
    const access = await waitFor(() => {
      const found = t?.records().filter((r) => r['msg'] === 'http request' && r['reqId'] === 'access-1');
      return found && found.length > 0 ? found : undefined;
    });
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      level: 30,
      method: 'GET',
      path: '/callbacks/echo',
      route: '/callbacks/echo',
      status: 200,
    });
    expect(typeof access[0]?.['ms']).toBe('number');
    const everything = t.lines.join('');
    for (const leaked of ['abc123sig', 'n0nce', 'EchoSecret', 'msg_signature'])
      expect(everything).not.toContain(leaked);
  });

  it('makes a child logger only for requests whose handlers log; the access line names reqId itself', async () => {
    const capture = captureLogger();
    const { logger, records } = capture;
    let children = 0;
    const child = logger.child.bind(logger);
    logger.child = ((...args: Parameters<typeof child>) => {
      children++;
      return child(...args);
    }) as typeof logger.child;
    const router = echoRouter();
    router.get('/callbacks/quiet', (ctx) => {
      ctx.body = '';
    });
    t = await startTestApp({ routers: [router], capture });
    for (let i = 0; i < 3; i++)
      await (await fetch(`${t.url}/callbacks/quiet`, { headers: { 'x-request-id': `quiet-${i}` } })).text();
    expect(children).toBe(0);
    await (await fetch(`${t.url}/callbacks/echo`, { headers: { 'x-request-id': 'loud-1' } })).text();
    expect(children).toBe(1);
    const access = await waitFor(() => {
      const found = records().filter((r) => r['msg'] === 'http request');
      return found.length === 4 ? found : undefined;
    });
    expect(access.map((r) => r['reqId'])).toEqual(['quiet-0', 'quiet-1', 'quiet-2', 'loud-1']);
    expect(records().find((r) => r['msg'] === 'handler ran')?.['reqId']).toBe('loud-1');
  });

  it('records the error code in the access line', async () => {
    t = await startTestApp();
    await (await fetch(`${t.url}/missing`, { headers: { 'x-request-id': 'missing-1' } })).text();
    const access = await waitFor(() =>
      t?.records().find((r) => r['msg'] === 'http request' && r['reqId'] === 'missing-1'),
    );
    expect(access).toMatchObject({ status: 404, code: 'not_found' });
    expect(access['route']).toBeUndefined();
  });
});

describe('GET /healthz', () => {
  it('answers 200 ok with the warnings from healthInfo', async () => {
    t = await startTestApp({
      checkHealth: async () => {},
      healthInfo: () => ({ warnings: ['no calendar data for 2027'], calendarYears: [2025, 2026] }),
    });
    const res = await fetch(`${t.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      status: 'ok',
      warnings: ['no calendar data for 2027'],
      calendarYears: [2025, 2026],
    });
  });

  it('answers 200 with no warnings when healthInfo is absent', async () => {
    t = await startTestApp();
    expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: 'ok', warnings: [] });
  });

  it('answers 503 storage_unavailable when checkHealth rejects, without leaking the cause', async () => {
    t = await startTestApp({
      checkHealth: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432 password=hunter2');
      },
    });
    const res = await fetch(`${t.url}/healthz`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      status: 'unavailable',
      error: { code: 'storage_unavailable', message: 'Storage is not reachable' },
    });
    expect(text).not.toContain('ECONNREFUSED');
    expect(t.lines.join('')).not.toContain('hunter2');
  });

  it('answers 503 when checkHealth hangs past the timeout', async () => {
    t = await startTestApp({ checkHealth: () => new Promise(() => {}), healthTimeoutMs: 50 });
    expect((await fetch(`${t.url}/healthz`)).status).toBe(503);
  });

  it('stays 200 with a warning when only healthInfo fails', async () => {
    t = await startTestApp({
      healthInfo: () => {
        throw new Error('calendar table missing');
      },
    });
    const res = await fetch(`${t.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', warnings: ['health details could not be collected'] });
  });

  it('does not let healthInfo override the status', async () => {
    t = await startTestApp({ healthInfo: () => ({ status: 'broken' }) });
    expect(await (await fetch(`${t.url}/healthz`)).json()).toMatchObject({ status: 'ok' });
  });
});

describe('GET /metrics', () => {
  it('exposes the HTTP histogram and counter by route pattern after a request', async () => {
    const router = new Router<AppState>();
    router.get('/items/:id', (ctx) => {
      ctx.body = { id: ctx.params['id'] };
    });
    t = await startTestApp({ routers: [router] });
    await (await fetch(`${t.url}/items/42`)).text();
    await (await fetch(`${t.url}/no/such/path`)).text();
    const text = await waitFor(async () => {
      const body = await (await fetch(`${t?.url}/metrics`)).text();
      return body.includes('status="404"') ? body : undefined;
    });
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/items\/:id",status="200"\}/,
    );
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/items\/:id",status="200"\} 1/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    expect(text).not.toContain('/items/42');
  });

  it('serves the Prometheus content type', async () => {
    t = await startTestApp();
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

describe('routers mounted later', () => {
  it('serves a router added with mountRouter after createApp and before startServer', async () => {
    const { logger } = captureLogger();
    const app = createApp({
      logger,
      metrics: createMetrics({ defaultMetrics: false }),
      checkHealth: async () => {},
    });
    const late = new Router<AppState>();
    late.get('/late', (ctx) => {
      ctx.body = { late: true };
    });
    mountRouter(app, late);
    const server = await startServer(app, { port: 0, host: '127.0.0.1', logger });
    try {
      expect(await (await fetch(`${server.url}/late`)).json()).toEqual({ late: true });
      expect((await fetch(`${server.url}/late`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});

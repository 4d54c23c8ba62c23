import { EventEmitter } from 'node:events';
import { Agent, request } from 'node:http';
import { Router } from '@koa/router';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppState } from '../../src/http/app-state.ts';
import { onShutdownSignals, startServer } from '../../src/http/server.ts';
import { captureLogger, startTestApp, waitFor, type TestApp } from './test-app.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A route that starts, says so, and finishes only when the test releases it. */
function slowRouter() {
  const started = deferred();
  const release = deferred();
  const router = new Router<AppState>();
  router.get('/slow', async (ctx) => {
    started.resolve();
    await release.promise;
    ctx.body = { done: true };
  });
  return { router, started: started.promise, release: release.resolve };
}

/** A GET on a fresh connection (fetch would reuse a pooled one). */
function getStatus(url: string, agent: Agent | false = false): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);
}

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('startServer', () => {
  it('reports a usable URL with the real port', async () => {
    t = await startTestApp();
    expect(t.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(t.url.endsWith(':0')).toBe(false);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('rejects when the port is taken', async () => {
    t = await startTestApp();
    const port = Number(new URL(t.url).port);
    const { logger } = captureLogger();
    await expect(
      startServer({ callback: () => () => {} }, { port, host: '127.0.0.1', logger }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('graceful close', () => {
  it('waits for an in-flight request, refuses new connections, then resolves', async () => {
    const slow = slowRouter();
    t = await startTestApp({ routers: [slow.router] });
    const url = t.url;
    const inFlight = fetch(`${url}/slow`).then(async (res) => ({
      status: res.status,
      body: await res.json(),
    }));
    await slow.started;

    const closed = t.close();
    expect(await settledWithin(closed, 100)).toBe(false);
    await expect(getStatus(`${url}/healthz`)).rejects.toThrow(/ECONNREFUSED/);

    slow.release();
    expect(await inFlight).toEqual({ status: 200, body: { done: true } });
    expect(await settledWithin(closed, 2000)).toBe(true);
  });

  it('is not held open by idle keep-alive connections', async () => {
    t = await startTestApp();
    const agent = new Agent({ keepAlive: true });
    try {
      expect(await getStatus(`${t.url}/healthz`, agent)).toBe(200);
      expect(Object.keys(agent.freeSockets)).toHaveLength(1);
      expect(await settledWithin(t.close(), 1000)).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('closes a keep-alive connection once its in-flight response is sent', async () => {
    const slow = slowRouter();
    t = await startTestApp({ routers: [slow.router] });
    const agent = new Agent({ keepAlive: true });
    try {
      const response = new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        request(`${t?.url}/slow`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
        })
          .on('error', reject)
          .end();
      });
      await slow.started;
      const closed = t.close();
      slow.release();
      expect(await response).toEqual({ status: 200, connection: 'close' });
      expect(await settledWithin(closed, 1000)).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('cuts requests still running at the shutdown deadline', async () => {
    const slow = slowRouter();
    t = await startTestApp({ routers: [slow.router], shutdownTimeoutMs: 100 });
    const inFlight = fetch(`${t.url}/slow`);
    await slow.started;
    const started = performance.now();
    await t.close();
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    await expect(inFlight).rejects.toThrow();
    expect(
      t
        .records()
        .some(
          (r) => r['msg'] === 'requests still running at the shutdown deadline; closing their connections',
        ),
    ).toBe(true);
    slow.release();
  });

  it('returns the same promise when closed twice', async () => {
    t = await startTestApp();
    const first = t.close();
    expect(t.close()).toBe(first);
    await first;
  });
});

describe('onShutdownSignals', () => {
  it('runs the handler once for SIGTERM then exits 0; a second signal exits 1 at once', async () => {
    const signals = new EventEmitter();
    const exits: number[] = [];
    const finish = deferred();
    const handled: string[] = [];
    const dispose = onShutdownSignals(
      async (signal) => {
        handled.push(signal);
        await finish.promise;
      },
      { signals, exit: (code) => exits.push(code) },
    );
    signals.emit('SIGTERM', 'SIGTERM');
    signals.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([1]);
    finish.resolve();
    await waitFor(() => (exits.length === 2 ? true : undefined));
    expect(handled).toEqual(['SIGTERM']);
    expect(exits).toEqual([1, 0]);
    dispose();
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).toBe(0);
  });

  it('exits 1 when the handler fails', async () => {
    const signals = new EventEmitter();
    const exits: number[] = [];
    onShutdownSignals(
      async () => {
        throw new Error('database would not close');
      },
      { signals, exit: (code) => exits.push(code) },
    );
    signals.emit('SIGINT', 'SIGINT');
    await waitFor(() => (exits.length > 0 ? true : undefined));
    expect(exits).toEqual([1]);
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaStore } from '../../adapters/webchat/media-store.ts';
import { createWebchatHub } from '../../adapters/webchat/webchat-hub.ts';
import { createWebchatRouter } from '../../adapters/webchat/webchat-router.ts';
import { ManualClock } from '../../src/clock.ts';
import { createDeskAuth } from '../../src/desk/desk-auth.ts';
import { createDeskHub } from '../../src/desk/desk-hub.ts';
import { createDeskRouter } from '../../src/desk/desk-router.ts';
import { openApiDocument, openApiRouter } from '../../src/http/openapi.ts';
import { useTestDatabase } from '../helpers/db.ts';
import { FakeFlows } from '../fakes/fake-flows.ts';
import { captureLogger, startTestApp, type TestApp } from '../http/test-app.ts';

// Pages, static assets and the demo shortcut are not part of the API.
const NOT_API = /^\/(desk(\/|$)|webchat\/widget\.|api\/desk\/demo-login)/;

describe('OpenAPI document', () => {
  const test = useTestDatabase('pglite');
  let t: TestApp;
  let routes: string[];
  beforeAll(async () => {
    const { logger } = captureLogger();
    const clock = new ManualClock();
    const flows = new FakeFlows({ db: test.database.db });
    const webchat = createWebchatRouter({
      database: test.database,
      flows,
      clock,
      logger,
      hub: createWebchatHub({ database: test.database, logger }),
      media: createMediaStore('/nonexistent'),
    });
    const desk = createDeskRouter({
      database: test.database,
      flows,
      clock,
      auth: createDeskAuth({ database: test.database, clock, loginSecret: randomBytes(32) }),
      hub: createDeskHub({ database: test.database, logger }),
      demo: true,
    });
    routes = [webchat, desk].flatMap((router) =>
      router.stack.flatMap((layer) =>
        layer.methods
          .filter((m) => m !== 'HEAD' && m !== 'OPTIONS')
          .map((m) => `${m} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`),
      ),
    );
    t = await startTestApp({ routers: [openApiRouter()] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('describes every webchat and desk API route, and nothing that does not exist', () => {
    const api = routes.filter((r) => !NOT_API.test(r.split(' ')[1]!));
    const documented = Object.entries(openApiDocument.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual([...new Set(api)].sort());
  });

  it('is served at /api/openapi.json', async () => {
    const res = await fetch(`${t.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toContain('/webchat/sessions/{id}/events');
  });

  it('points every $ref at a defined schema', () => {
    const refs = [
      ...JSON.stringify(openApiDocument).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g),
    ].map((m) => m[1]!);
    for (const name of refs) expect(Object.keys(openApiDocument.components.schemas)).toContain(name);
  });
});

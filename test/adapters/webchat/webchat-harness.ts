import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createMediaStore } from '../../../adapters/webchat/media-store.ts';
import { createWebchatGateway } from '../../../adapters/webchat/webchat-gateway.ts';
import { createWebchatHub, type WebchatHub } from '../../../adapters/webchat/webchat-hub.ts';
import { createWebchatRouter, type WebchatLimits } from '../../../adapters/webchat/webchat-router.ts';
import { ManualClock } from '../../../src/clock.ts';
import type { OutboundMessage } from '../../../src/ports.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { FakeFlows } from '../../fakes/fake-flows.ts';
import { captureLogger, startTestApp, type TestApp } from '../../http/test-app.ts';

export interface WebchatHarness {
  t: TestApp;
  flows: FakeFlows;
  hub: WebchatHub;
  clock: ManualClock;
  uploadsDir: string;
  newSession(body?: unknown): Promise<{ sessionId: string; token: string }>;
  post(
    sessionId: string,
    token: string | null,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  close(): Promise<void>;
}

export async function startWebchat(
  database: TestDatabase,
  options: {
    limits?: Partial<WebchatLimits>;
    botReply?: (text: string) => OutboundMessage | null;
    itemIds?: string[];
  } = {},
): Promise<WebchatHarness> {
  const clock = new ManualClock('2026-11-27T02:00:00Z');
  const { logger } = captureLogger();
  const hub = createWebchatHub({ database, logger });
  await hub.start();
  const flows = new FakeFlows({
    db: database.db,
    gateway: createWebchatGateway({ hub }),
    botReply: (m) => (m.kind === 'text' && options.botReply ? options.botReply(m.text) : null),
  });
  const uploadsDir = await mkdtemp(path.join(os.tmpdir(), 'bangban-uploads-'));
  const router = createWebchatRouter({
    database,
    flows,
    clock,
    logger,
    hub,
    media: createMediaStore(uploadsDir),
    limits: { heartbeatMs: 200, ...options.limits },
    itemIds: options.itemIds,
  });
  const t = await startTestApp({ routers: [router], shutdownTimeoutMs: 500 });
  const post = (
    sessionId: string,
    token: string | null,
    body: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${t.url}/webchat/sessions/${sessionId}/messages`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    });
  return {
    t,
    flows,
    hub,
    clock,
    uploadsDir,
    post,
    async newSession(body?: unknown) {
      const res = await fetch(`${t.url}/webchat/sessions`, {
        method: 'POST',
        ...(body === undefined
          ? {}
          : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
      });
      if (res.status !== 201) throw new Error(`session: ${res.status} ${await res.text()}`);
      return (await res.json()) as { sessionId: string; token: string };
    },
    async close() {
      await hub.close();
      await t.close();
      await rm(uploadsDir, { recursive: true, force: true });
    },
  };
}

/** A real 1×1 PNG. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

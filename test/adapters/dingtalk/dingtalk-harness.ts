/**
 * The whole bangban (createBangban from src/main.ts) with its DingTalk platform switched on by the
 * environment and pointed at the loopback fake DingTalk, a ManualClock, and the outbox and timers
 * run by hand — so a test can post signed robot callbacks and watch what DingTalk is asked to send.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../../src/clock.ts';
import type { Config } from '../../../src/config/config-types.ts';
import { parseConfig } from '../../../src/config/parse-config.ts';
import { createBangban, type Bangban } from '../../../src/main.ts';
import { startServer, type RunningServer } from '../../../src/http/server.ts';
import { robotSign } from '../../../adapters/dingtalk/crypto.ts';
import { defaultRaw } from '../../config/fixtures.ts';
import { FRIDAY_10AM, PREP, type RawConfig } from '../../flows/flow-harness.ts';
import { createTestDatabase, type Backend, type TestDatabase } from '../../helpers/db.ts';
import { captureLogger } from '../../http/test-app.ts';
import { startFakeDingtalk, type FakeDingtalk } from '../../fakes/dingtalk/fake-dingtalk-server.ts';

export const APP_KEY = 'dingbangbantest';
export const APP_SECRET = 'bangban-app-secret-for-tests';
export const ROBOT_CODE = 'dingbangbanrobot';
export const CALLBACK_TOKEN = 'bangbanToken';
export const CALLBACK_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
export const ROBOT_SECRET = `SEC${'a'.repeat(62)}`;
export const PREP_GROUP = 'cidPrepGroup==';

let serial = 0;

export interface DingtalkHarness {
  clock: ManualClock;
  fake: FakeDingtalk;
  bangban: Bangban;
  url: string;
  logs: () => Record<string, unknown>[];
  /** Test database handle for postgres (rows are read through bangban.database anyway). */
  /** POSTs a robot message body, signed at the clock's time unless headers are given. */
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** A robot message from `userId` in their 1:1 chat (a fresh session webhook each time). */
  staffText(
    userId: string,
    text: string,
    options?: { msgId?: string; sessionMinutes?: number },
  ): Record<string, unknown>;
  /** Texts and card titles DingTalk got for `userId` (batchSend and session webhook). */
  messagesTo(userId: string): string[];
  settle(): Promise<void>;
  advance(seconds: number): Promise<void>;
  close(): Promise<void>;
}

export async function startDingtalkHarness(
  backend: Backend,
  edit?: (raw: RawConfig) => void,
  extraEnv: Record<string, string> = {},
): Promise<DingtalkHarness> {
  const clock = new ManualClock(FRIDAY_10AM);
  const fake = await startFakeDingtalk({
    appKey: APP_KEY,
    appSecret: APP_SECRET,
    now: () => clock.now().getTime(),
  });
  const robotWebhook = fake.addRobot('prep-robot', ROBOT_SECRET);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangban-dingtalk-'));
  let pg: TestDatabase | null = null;
  // On PGlite a copy of the migrated template, instead of a new data folder (initdb takes seconds).
  let pglite: TestDatabase | undefined;
  const processEnv: Record<string, string> = {};
  if (backend === 'postgres') {
    pg = await createTestDatabase('postgres');
    processEnv['DATABASE_URL'] = pg.url!;
  } else {
    pglite = await createTestDatabase('pglite');
  }
  const raw = defaultRaw();
  raw.server.dataDir = dataDir;
  raw.server.logLevel = 'silent';
  raw.dingtalk = {
    groups: [
      {
        item: PREP,
        openConversationId: PREP_GROUP,
        robotWebhookEnv: 'DINGTALK_ROBOT_WEBHOOK_PREP',
        robotSecretEnv: 'DINGTALK_ROBOT_SECRET_PREP',
      },
    ],
  };
  edit?.(raw);
  const config: Config = parseConfig(raw, processEnv, 'dingtalk-test-config');
  const env: NodeJS.ProcessEnv = {
    DINGTALK_APP_KEY: APP_KEY,
    DINGTALK_APP_SECRET: APP_SECRET,
    DINGTALK_ROBOT_CODE: ROBOT_CODE,
    DINGTALK_CALLBACK_TOKEN: CALLBACK_TOKEN,
    DINGTALK_CALLBACK_AES_KEY: CALLBACK_AES_KEY,
    DINGTALK_API_BASE: fake.url,
    DINGTALK_OAPI_BASE: fake.url,
    DINGTALK_ROBOT_WEBHOOK_PREP: robotWebhook,
    DINGTALK_ROBOT_SECRET_PREP: ROBOT_SECRET,
    BANGBAN_DESK_SECRET: 'x'.repeat(48),
    ...extraEnv,
  };
  const { logger, records } = captureLogger();
  const bangban = await createBangban({ config, clock, env, logger, database: pglite });
  const server: RunningServer = await startServer(bangban.app, {
    port: 0,
    host: '127.0.0.1',
    logger,
    shutdownTimeoutMs: 500,
  });

  const settle = async () => {
    for (let round = 0; round < 20; round += 1) {
      await bangban.flows.idle();
      const handled = await bangban.outbox.runNow();
      await bangban.flows.idle();
      if (handled === 0) return;
    }
  };

  const textOf = (body: Record<string, unknown> | null): string => {
    if (!body) return '';
    if (typeof body['msgParam'] === 'string') {
      const param = JSON.parse(body['msgParam']) as Record<string, string>;
      return param['content'] ?? param['title'] ?? param['photoURL'] ?? param['fileName'] ?? '';
    }
    const text = body['text'] as { content?: string } | undefined;
    const card = body['actionCard'] as { title?: string } | undefined;
    return text?.content ?? card?.title ?? '';
  };

  return {
    clock,
    fake,
    bangban,
    url: server.url,
    logs: records,
    post(body, headers) {
      const timestamp = String(clock.now().getTime());
      return fetch(`${server.url}/callbacks/dingtalk`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          ...(headers ?? { timestamp, sign: robotSign(timestamp, APP_SECRET) }),
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    },
    staffText(userId, text, options = {}) {
      const now = clock.now().getTime();
      const expires = now + (options.sessionMinutes ?? 90) * 60_000;
      return {
        conversationId: `cid-single-${userId}`,
        atUsers: [{ dingtalkId: `$:LWCP_v1:$${userId}` }],
        chatbotCorpId: 'dingcorp',
        chatbotUserId: '$:LWCP_v1:$robot',
        msgId: options.msgId ?? `msg${now}${++serial}`,
        senderNick: userId,
        isAdmin: false,
        senderStaffId: userId,
        sessionWebhookExpiredTime: expires,
        createAt: now,
        senderCorpId: 'dingcorp',
        conversationType: '1',
        senderId: `$:LWCP_v1:$${userId}`,
        sessionWebhook: fake.openSession(`user:${userId}`, expires),
        robotCode: ROBOT_CODE,
        text: { content: ` ${text}` },
        msgtype: 'text',
      };
    },
    messagesTo(userId) {
      return [...fake.delivered(userId), ...fake.delivered(`user:${userId}`)]
        .sort((a, b) => fake.calls.indexOf(a) - fake.calls.indexOf(b))
        .map((call) => textOf(call.body));
    },
    settle,
    async advance(seconds) {
      clock.advance(seconds * 1000);
      await bangban.timers.runNow();
      await settle();
    },
    async close() {
      await server.close();
      await bangban.close();
      await fake.close();
      await pg?.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

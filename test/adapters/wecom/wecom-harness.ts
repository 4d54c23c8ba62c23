/**
 * The WeCom channel wired to real flows and storage, a ManualClock, the real outbox runner (run by
 * hand), the loopback fake WeCom API, and the real Koa app — so a test can post signed, encrypted
 * callbacks and watch what WeCom is asked to send.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Router } from '@koa/router';
import { createMediaStore } from '../../../adapters/webchat/media-store.ts';
import { createWebchatGateway } from '../../../adapters/webchat/webchat-gateway.ts';
import { createWebchatHub, type WebchatHub } from '../../../adapters/webchat/webchat-hub.ts';
import { createWebchatRouter } from '../../../adapters/webchat/webchat-router.ts';
import { createFileMediaStore } from '../../../src/media/file-media-store.ts';
import type { MediaStore } from '../../../src/ports.ts';
import { ManualClock } from '../../../src/clock.ts';
import { calendarFromConfig } from '../../../src/config/calendar-from-config.ts';
import type { Config } from '../../../src/config/config-types.ts';
import { createChannelRouter } from '../../../src/channel-router.ts';
import { createFlows } from '../../../src/flows/create-flows.ts';
import type { Flows } from '../../../src/flows/types.ts';
import { OutboxRunner } from '../../../src/jobs/outbox-runner.ts';
import { TimerRunner } from '../../../src/jobs/timer-runner.ts';
import { createFlowStore } from '../../../src/storage/repositories/create-flow-store.ts';
import { createWecomChannel, type WecomChannel } from '../../../adapters/wecom/create-wecom-channel.ts';
import { encryptMessage, msgSignature } from '../../../adapters/wecom/crypto.ts';
import { buildXml } from '../../../adapters/wecom/xml.ts';
import { FakeChannelGateway } from '../../fakes/fake-channel-gateway.ts';
import { startFakeWecom, type FakeWecom } from '../../fakes/wecom/fake-wecom-server.ts';
import { fakeKb, FRIDAY_10AM, PREP_MATERIALS } from '../../flows/flow-harness.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { captureLogger, startTestApp, type TestApp } from '../../http/test-app.ts';

export const CORP_ID = 'wwbangbantest';
export const TOKEN = 'bangbanToken';
export const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
export const ROBOT_PREP = 'robot-key-prep';

export function wecomEnv(fake: { url: string }, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    WECOM_CORP_ID: CORP_ID,
    WECOM_AGENT_ID: '1000002',
    WECOM_SECRET: 'app-secret',
    WECOM_TOKEN: TOKEN,
    WECOM_ENCODING_AES_KEY: AES_KEY,
    WECOM_KF_SECRET: 'kf-secret',
    WECOM_API_BASE: fake.url,
    WECOM_ROBOT_WEBHOOK_PREPARATION_REGISTRATION: ROBOT_PREP,
    ...extra,
  };
}

export interface WecomHarness {
  clock: ManualClock;
  fake: FakeWecom;
  channel: WecomChannel;
  flows: Flows;
  outbox: OutboxRunner;
  timers: TimerRunner;
  /** Citizens on webchat and the desk notifications land here. */
  gateway: FakeChannelGateway;
  app: TestApp;
  /** The shared MediaStore (`media:<id>`) and the widget's uploads folder. */
  media: MediaStore;
  uploadsDir: string;
  /** Set with `webchat: true`: the real widget API (hub, gateway, router) instead of the fake gateway. */
  webchatHub?: WebchatHub;
  logs: () => Record<string, unknown>[];
  /** POSTs `plaintext` as WeCom would: encrypted, signed, at the clock's time. */
  post(plaintext: string, options?: { timestamp?: string; nonce?: string }): Promise<Response>;
  /** A staff member's text in the WeCom app. */
  staffText(userId: string, text: string, msgId?: string): string;
  /** A 接单/转派 click on a card. */
  cardClick(userId: string, key: string, taskId: string, responseCode?: string): string;
  /** Lets background processing, the outbox and timers finish. */
  settle(): Promise<void>;
  /** Moves the clock and fires what is due. */
  advance(seconds: number): Promise<void>;
  close(): Promise<void>;
}

let serial = 0;

export async function startWecomHarness(
  database: TestDatabase,
  config: Config,
  options: {
    env?: Record<string, string>;
    limits?: { memberPerMinute?: number; robotPerMinute?: number };
    /** Citizens on webchat go through the real widget API (default: the fake gateway). */
    webchat?: boolean;
  } = {},
): Promise<WecomHarness> {
  const clock = new ManualClock(FRIDAY_10AM);
  // Rate-limit slots are shared in the database; a fresh harness starts with a fresh minute.
  await database.db.execute(sql`delete from wecom_rate_slots`);
  const fake = await startFakeWecom({
    corpId: CORP_ID,
    robotKeys: [ROBOT_PREP],
    now: () => clock.now().getTime(),
  });
  const { logger, records } = captureLogger();
  const outbox = new OutboxRunner({
    database,
    clock,
    listen: false,
    backoff: { baseMs: 1000, maxMs: 5000 },
    random: () => 0,
  });
  const timers = new TimerRunner({ database, clock, listen: false });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bangban-wecom-'));
  const media = createFileMediaStore(path.join(dataDir, 'media'));
  const uploadsDir = path.join(dataDir, 'uploads');
  const created = createWecomChannel({
    media,
    webchatUploadsDir: uploadsDir,
    env: wecomEnv(fake, options.env),
    config,
    database,
    outbox,
    clock,
    logger,
    ...(options.limits ? { limits: options.limits } : {}),
    sleep: async (ms) => {
      await Promise.resolve();
      clock.advance(ms);
    },
  });
  if (!created.enabled) throw new Error(`WeCom channel off: ${JSON.stringify(created)}`);
  const { channel } = created;
  const gateway = new FakeChannelGateway();
  const webchatHub = options.webchat ? createWebchatHub({ database, logger }) : undefined;
  await webchatHub?.start();
  const router = createChannelRouter({
    citizens: {
      webchat: webchatHub ? createWebchatGateway({ hub: webchatHub }) : gateway,
      wecom_kf: channel.citizenSender,
    },
    staff: [gateway, channel.staffNotifier],
    logger,
  });
  const flows = createFlows({
    store: createFlowStore(database),
    config,
    calendar: calendarFromConfig(config),
    clock,
    kb: fakeKb([PREP_MATERIALS]),
    gateway: router,
    timers,
    logger,
  });
  const routers: Router[] = [channel.connect({ flows, notifyStaff: router.notifyStaff }) as Router];
  if (webchatHub)
    routers.push(
      createWebchatRouter({
        database,
        flows,
        clock,
        logger,
        hub: webchatHub,
        media: createMediaStore(uploadsDir),
        sharedMedia: media,
      }) as Router,
    );
  const app = await startTestApp({ routers, shutdownTimeoutMs: 500 });

  const settle = async () => {
    for (let round = 0; round < 20; round += 1) {
      await flows.idle();
      const handled = await outbox.runNow();
      await flows.idle();
      if (handled === 0) return;
    }
  };

  return {
    clock,
    fake,
    channel,
    flows,
    outbox,
    timers,
    gateway,
    app,
    media,
    uploadsDir,
    ...(webchatHub ? { webchatHub } : {}),
    logs: records,
    async post(plaintext, opts = {}) {
      const timestamp = opts.timestamp ?? String(Math.floor(clock.now().getTime() / 1000));
      const nonce = opts.nonce ?? randomBytes(6).toString('hex');
      const encrypt = encryptMessage(channel.settings.aes, plaintext, CORP_ID);
      const signature = msgSignature(TOKEN, timestamp, nonce, encrypt);
      const body = buildXml({ ToUserName: CORP_ID, Encrypt: encrypt, AgentID: '1000002' });
      const query = new URLSearchParams({ msg_signature: signature, timestamp, nonce });
      return fetch(`${app.url}/callbacks/wecom?${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml' },
        body,
      });
    },
    staffText(userId, text, msgId = `7${Date.now()}${++serial}`) {
      return buildXml({
        ToUserName: CORP_ID,
        FromUserName: userId,
        CreateTime: Math.floor(clock.now().getTime() / 1000),
        MsgType: 'text',
        Content: text,
        MsgId: msgId,
        AgentID: 1000002,
      });
    },
    cardClick(userId, key, taskId, responseCode = `click-${++serial}`) {
      return buildXml({
        ToUserName: CORP_ID,
        FromUserName: userId,
        CreateTime: Math.floor(clock.now().getTime() / 1000) + ++serial,
        MsgType: 'event',
        Event: 'template_card_event',
        EventKey: key,
        TaskId: taskId,
        CardType: 'button_interaction',
        ResponseCode: responseCode,
        AgentID: 1000002,
      });
    },
    settle,
    async advance(seconds) {
      clock.advance(seconds * 1000);
      await timers.runNow();
      await settle();
    },
    async close() {
      await flows.idle();
      await webchatHub?.close();
      await app.close();
      await fake.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

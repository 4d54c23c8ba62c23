/**
 * The WeChat Official Account channel wired to real flows and storage, a ManualClock, the real outbox
 * runner (run by hand), the loopback fake WeChat API and the real Koa app — so a test can post
 * signed (and encrypted) pushes in each mode and watch the passive replies and what WeChat is asked
 * to send.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../../src/clock.ts';
import { calendarFromConfig } from '../../../src/config/calendar-from-config.ts';
import type { Config } from '../../../src/config/config-types.ts';
import { createChannelRouter } from '../../../src/channel-router.ts';
import { createFlows } from '../../../src/flows/create-flows.ts';
import type { Flows } from '../../../src/flows/types.ts';
import { OutboxRunner } from '../../../src/jobs/outbox-runner.ts';
import { TimerRunner } from '../../../src/jobs/timer-runner.ts';
import { createFileMediaStore } from '../../../src/media/file-media-store.ts';
import type { MediaStore } from '../../../src/ports.ts';
import { createFlowStore } from '../../../src/storage/repositories/create-flow-store.ts';
import {
  createWechatOaChannel,
  type WechatOaChannel,
} from '../../../adapters/wechat-oa/create-wechat-oa-channel.ts';
import { aesKeyFrom, decryptMessage, encryptMessage, msgSignature } from '../../../adapters/wecom/crypto.ts';
import { buildXml, parseXmlDocument, textOf } from '../../../adapters/wecom/xml.ts';
import { FakeChannelGateway } from '../../fakes/fake-channel-gateway.ts';
import { startFakeWechat, type FakeWechat } from '../../fakes/wechat/fake-wechat-server.ts';
import { fakeKb, FRIDAY_10AM, PREP_MATERIALS } from '../../flows/flow-harness.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { captureLogger, startTestApp, type TestApp } from '../../http/test-app.ts';

export const APP_ID = 'wxb11529c136998cb6';
export const TOKEN = 'pamtest';
export const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
export const ACCOUNT = 'gh_7f083739789a';
export const APP_SECRET = 'oa-app-secret';

const aes = aesKeyFrom(AES_KEY)!;

export type Mode = 'plaintext' | 'compatible' | 'safe';
export type Fields = Record<string, string | number>;

export function wechatOaEnv(fake: { url: string }, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    WECHAT_OA_APP_ID: APP_ID,
    WECHAT_OA_APP_SECRET: APP_SECRET,
    WECHAT_OA_TOKEN: TOKEN,
    WECHAT_OA_ENCODING_AES_KEY: AES_KEY,
    WECHAT_API_BASE: fake.url,
    ...extra,
  };
}

/** A push as WeChat sends it in `mode`: the query and the body. */
export function signedPush(
  fields: Fields | string,
  options: { mode: Mode; format?: 'xml' | 'json'; timestamp: string; nonce?: string },
): { query: URLSearchParams; body: string; type: string } {
  const format = options.format ?? 'xml';
  const nonce = options.nonce ?? randomBytes(6).toString('hex');
  const { timestamp } = options;
  const plain =
    typeof fields === 'string' ? fields : format === 'json' ? JSON.stringify(fields) : buildXml(fields);
  const query = new URLSearchParams({
    signature: msgSignature(TOKEN, timestamp, nonce),
    timestamp,
    nonce,
    openid: typeof fields === 'string' ? 'x' : String(fields['FromUserName'] ?? ''),
  });
  const type = format === 'json' ? 'application/json' : 'text/xml';
  if (options.mode === 'plaintext') return { query, body: plain, type };
  const encrypt = encryptMessage(aes, plain, APP_ID);
  query.set('encrypt_type', 'aes');
  query.set('msg_signature', msgSignature(TOKEN, timestamp, nonce, encrypt));
  const envelope: Fields =
    options.mode === 'safe'
      ? { ToUserName: ACCOUNT, Encrypt: encrypt }
      : { ...(typeof fields === 'string' ? {} : fields), Encrypt: encrypt };
  return { query, body: format === 'json' ? JSON.stringify(envelope) : buildXml(envelope), type };
}

/** The passive reply's text: decrypted when it came in an envelope, parsed from XML or JSON. */
export function replyText(body: string, mode: Mode, format: 'xml' | 'json' = 'xml'): string | null {
  if (body === 'success' || body === '') return null;
  let plain = body;
  if (mode !== 'plaintext') {
    let encrypt: string;
    let signature: string;
    let timestamp: string;
    let nonce: string;
    if (format === 'json') {
      const env = JSON.parse(body) as Record<string, string | number>;
      [encrypt, signature, timestamp, nonce] = [
        env['Encrypt'],
        env['MsgSignature'],
        env['TimeStamp'],
        env['Nonce'],
      ].map(String) as [string, string, string, string];
    } else {
      const doc = parseXmlDocument(body);
      if (!doc.ok) throw new Error(doc.reason);
      [encrypt, signature, timestamp, nonce] = ['Encrypt', 'MsgSignature', 'TimeStamp', 'Nonce'].map(
        (tag) => textOf(doc.root, tag) as string,
      ) as [string, string, string, string];
    }
    if (msgSignature(TOKEN, timestamp, nonce, encrypt) !== signature)
      throw new Error('reply signature is wrong');
    const opened = decryptMessage(aes, encrypt, APP_ID);
    if (!opened.ok) throw new Error(`reply does not decrypt: ${opened.reason}`);
    plain = opened.message;
  }
  if (format === 'json') return String((JSON.parse(plain) as Record<string, unknown>)['Content']);
  const doc = parseXmlDocument(plain);
  if (!doc.ok) throw new Error(doc.reason);
  return textOf(doc.root, 'Content') as string;
}

export interface OaHarness {
  clock: ManualClock;
  fake: FakeWechat;
  channel: WechatOaChannel;
  flows: Flows;
  outbox: OutboxRunner;
  timers: TimerRunner;
  media: MediaStore;
  /** Desk/staff notifications land here. */
  gateway: FakeChannelGateway;
  app: TestApp;
  logs: () => Record<string, unknown>[];
  now(): string;
  /** POSTs a push in `mode` at the clock's time. */
  post(fields: Fields | string, options?: { mode?: Mode; format?: 'xml' | 'json' }): Promise<Response>;
  /** A citizen's text message fields (and the fake's window opens, as WeChat's would). */
  text(openId: string, content: string, msgId?: string): Fields;
  event(openId: string, event: string, key?: string): Fields;
  settle(): Promise<void>;
  advance(seconds: number): Promise<void>;
  close(): Promise<void>;
}

let serial = 0;

/** A 19-digit MsgId beyond 2^53, unique in this run (built as a string: a number would round). */
export const nextMsgId = (): string =>
  `6${String(Date.now()).padStart(13, '0')}${String(++serial).padStart(5, '0')}`;

export async function startOaHarness(
  database: TestDatabase,
  config: Config,
  options: { env?: Record<string, string>; replyWaitMs?: number } = {},
): Promise<OaHarness> {
  const clock = new ManualClock(FRIDAY_10AM);
  const fake = await startFakeWechat({ appId: APP_ID, secret: APP_SECRET, now: () => clock.now().getTime() });
  const { logger, records } = captureLogger();
  const outbox = new OutboxRunner({
    database,
    clock,
    listen: false,
    backoff: { baseMs: 1000, maxMs: 5000 },
    random: () => 0,
  });
  const timers = new TimerRunner({ database, clock, listen: false });
  const mediaDir = mkdtempSync(path.join(os.tmpdir(), 'bangban-oa-media-'));
  const media = createFileMediaStore(mediaDir);
  const created = createWechatOaChannel({
    env: wechatOaEnv(fake, options.env),
    config: { wechatOa: { ...config.wechatOa, replyWaitMs: options.replyWaitMs ?? 1500 } },
    database,
    outbox,
    clock,
    logger,
    media,
    sleep: async (ms) => {
      await Promise.resolve();
      clock.advance(ms);
    },
  });
  if (!created.enabled) throw new Error(`WeChat OA channel off: ${JSON.stringify(created)}`);
  const { channel } = created;
  const gateway = new FakeChannelGateway();
  const router = createChannelRouter({
    citizens: { webchat: gateway, wechat_oa: channel.citizenSender },
    staff: [gateway],
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
  const app = await startTestApp({
    routers: [channel.connect({ flows, notifyStaff: router.notifyStaff })],
    shutdownTimeoutMs: 500,
  });
  const settle = async () => {
    for (let round = 0; round < 20; round += 1) {
      await flows.idle();
      const handled = await outbox.runNow();
      await flows.idle();
      if (handled === 0) return;
    }
  };
  const now = () => String(Math.floor(clock.now().getTime() / 1000));

  return {
    clock,
    fake,
    channel,
    flows,
    outbox,
    timers,
    media,
    gateway,
    app,
    logs: records,
    now,
    post(fields, opts = {}) {
      const push = signedPush(fields, {
        mode: opts.mode ?? 'plaintext',
        format: opts.format ?? 'xml',
        timestamp: now(),
      });
      return fetch(`${app.url}/callbacks/wechat-oa?${push.query}`, {
        method: 'POST',
        headers: { 'Content-Type': push.type },
        body: push.body,
      });
    },
    text(openId, content, msgId = nextMsgId()) {
      fake.citizenWrote(openId);
      return {
        ToUserName: ACCOUNT,
        FromUserName: openId,
        CreateTime: Number(now()),
        MsgType: 'text',
        Content: content,
        MsgId: msgId,
      };
    },
    event(openId, event, key) {
      if (event === 'subscribe' || event === 'CLICK') fake.citizenClicked(openId);
      if (event === 'unsubscribe') fake.citizenUnsubscribed(openId);
      return {
        ToUserName: ACCOUNT,
        FromUserName: openId,
        CreateTime: Number(now()) + ++serial,
        MsgType: 'event',
        Event: event,
        ...(key ? { EventKey: key } : {}),
      };
    },
    settle,
    async advance(seconds) {
      clock.advance(seconds * 1000);
      await timers.runNow();
      await settle();
    },
    async close() {
      await flows.idle();
      await app.close();
      await fake.close();
      rmSync(mediaDir, { recursive: true, force: true });
    },
  };
}

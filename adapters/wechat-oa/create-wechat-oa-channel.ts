/**
 * The WeChat Official Account channel in one piece: settings from the environment, API client,
 * outbox deliverers, the citizen sender (passive reply or custom message) and — once the flows
 * exist — the callback router. Plugged in by adapters/wechat-oa/platform.ts.
 */
import type { Router } from '@koa/router';
import type { Config } from '../../src/config/config-types.ts';
import type { Flows } from '../../src/flows/types.ts';
import type { AppState } from '../../src/http/app-state.ts';
import type { OutboxRunner } from '../../src/jobs/outbox-runner.ts';
import type { Logger } from '../../src/logger.ts';
import type { ChannelGateway, Clock, MediaStore } from '../../src/ports.ts';
import type { Database } from '../../src/storage/database.ts';
import { WechatApiClient } from './api-client.ts';
import { createOaCallbackRouter } from './callback-router.ts';
import { createOaCitizenSender, createUnreachableReporter, type OaCitizenSender } from './citizen-sender.ts';
import { createCustomSendDeliverer, createMediaFetchDeliverer } from './deliverers.ts';
import { createInboundHandler } from './inbound-handler.ts';
import { WECHAT_OA_OUTBOX, type Enqueue } from './outbox-kinds.ts';
import { PassiveReplies } from './passive-replies.ts';
import { readWechatOaSettings, type WechatOaSettings } from './wechat-oa-settings.ts';

export interface WechatOaChannelOptions {
  env: NodeJS.ProcessEnv;
  config: Pick<Config, 'wechatOa'>;
  database: Pick<Database, 'db'>;
  outbox: Pick<OutboxRunner, 'enqueue' | 'register'>;
  clock: Clock;
  logger: Logger;
  media: MediaStore;
  /** Tests pass a fake sleep to the API client. */
  sleep?: (ms: number) => Promise<void>;
}

export interface WechatOaChannel {
  settings: WechatOaSettings;
  client: WechatApiClient;
  /** For `citizens.wechat_oa`. */
  citizenSender: OaCitizenSender;
  /** Callbacks waiting for their passive reply. */
  passive: PassiveReplies;
  /** Registers what needs the flows and returns the callback router to mount. */
  connect(deps: { flows: Flows; notifyStaff: ChannelGateway['notifyStaff'] }): Router<AppState>;
}

export type WechatOaChannelResult =
  | { enabled: true; channel: WechatOaChannel }
  | { enabled: false; reason: string }
  | { enabled: false; errors: string[] };

export function createWechatOaChannel(options: WechatOaChannelOptions): WechatOaChannelResult {
  const read = readWechatOaSettings(options.env);
  if (!read.enabled) return read;
  const { settings } = read;
  const { clock, logger, media } = options;
  const { db } = options.database;
  const client = new WechatApiClient({
    apiBase: settings.apiBase,
    appId: settings.appId,
    appSecret: settings.appSecret,
    clock,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const enqueue: Enqueue = (input) => options.outbox.enqueue(input);
  const passive = new PassiveReplies();
  let connected: { flows: Flows; notifyStaff: ChannelGateway['notifyStaff'] } | null = null;
  const unreachable = createUnreachableReporter({
    db,
    clock,
    logger,
    async tellStaff(conversationId, text) {
      if (!connected) return;
      const conversation = await connected.flows.getConversation(conversationId);
      if (conversation?.assigneeId)
        await connected.notifyStaff(conversation.assigneeId, { type: 'info', text, conversationId });
    },
  });
  options.outbox.register(
    WECHAT_OA_OUTBOX.customSend,
    createCustomSendDeliverer({ client, media, unreachable }),
  );
  const citizenSender = createOaCitizenSender({ db, clock, passive, enqueue, unreachable });
  const { wechatOa } = options.config;

  return {
    enabled: true,
    channel: {
      settings,
      client,
      citizenSender,
      passive,
      connect({ flows, notifyStaff }) {
        if (connected) throw new Error('the WeChat Official Account channel is already connected');
        connected = { flows, notifyStaff };
        options.outbox.register(
          WECHAT_OA_OUTBOX.mediaFetch,
          createMediaFetchDeliverer({ client, media, flows, logger }),
        );
        return createOaCallbackRouter({
          secrets: {
            token: settings.token,
            aes: settings.aes,
            appId: settings.appId,
            maxClockSkewSeconds: settings.maxClockSkewSeconds,
          },
          clock,
          onPush: createInboundHandler({
            db,
            flows,
            clock,
            enqueue,
            passive,
            sender: citizenSender,
            replyWaitMs: wechatOa.replyWaitMs,
            subscribeHint: wechatOa.subscribeHint,
          }),
        });
      },
    },
  };
}

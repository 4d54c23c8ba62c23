/**
 * The WeCom channel in one piece: settings from the environment, API client, outbox deliverers,
 * the staff notifier (cards, reminders, group posts), the 微信客服 citizen sender, and — once the
 * flows exist — the callback router. Wiring in src/main.ts: see adapters/wecom/README.md.
 */
import type { Router } from '@koa/router';
import type { CitizenSender, StaffNotifier } from '../../src/channel-router.ts';
import type { Config } from '../../src/config/config-types.ts';
import type { Flows } from '../../src/flows/types.ts';
import type { AppState } from '../../src/http/app-state.ts';
import type { OutboxRunner } from '../../src/jobs/outbox-runner.ts';
import type { Logger } from '../../src/logger.ts';
import type { ChannelGateway, Clock } from '../../src/ports.ts';
import type { Database } from '../../src/storage/database.ts';
import { WecomApiClient } from './api-client.ts';
import type { MediaType } from './api-types.ts';
import { createWecomCallbackRouter } from './callback-router.ts';
import { createInboundHandler } from './inbound-handler.ts';
import {
  createKfCitizenSender,
  createKfSendDeliverer,
  createKfSyncDeliverer,
  WelcomeCodes,
} from './kf-channel.ts';
import { WECOM_OUTBOX, type Enqueue } from './outbox-kinds.ts';
import { createStaffDeliverers } from './staff-deliverers.ts';
import { createWecomStaffDirectory } from './staff-directory.ts';
import type { CitizenMedia } from './render-notification.ts';
import { createWecomStaffNotifier } from './staff-notifier.ts';
import { readWecomSettings, type WecomSettings } from './wecom-settings.ts';

export interface WecomChannelOptions {
  env: NodeJS.ProcessEnv;
  config: Pick<Config, 'staff' | 'items'>;
  database: Pick<Database, 'db'>;
  outbox: Pick<OutboxRunner, 'enqueue' | 'register'>;
  clock: Clock;
  logger: Logger;
  /** Per-member and per-robot limits (defaults 30 and 20 a minute). */
  limits?: { memberPerMinute?: number; robotPerMinute?: number };
  /** Tests pass a fake sleep to the API client and the rate queues. */
  sleep?: (ms: number) => Promise<void>;
}

export interface WecomChannel {
  settings: WecomSettings;
  client: WecomApiClient;
  /** For `citizenChannels.wecom_kf`. */
  citizenSender: CitizenSender;
  /** For `staffNotifiers`. */
  staffNotifier: StaffNotifier;
  /**
   * Registers what needs the flows (微信客服 sync) and returns the callback router to mount.
   * `notifyStaff` (the whole gateway's) tells a helper when 微信客服 refused a reply; default WeCom only.
   */
  connect(deps: { flows: Flows; notifyStaff?: ChannelGateway['notifyStaff'] }): Router<AppState>;
}

export type WecomChannelResult =
  | { enabled: true; channel: WecomChannel }
  | { enabled: false; reason: string }
  | { enabled: false; errors: string[] };

export function createWecomChannel(options: WecomChannelOptions): WecomChannelResult {
  const read = readWecomSettings(
    options.env,
    options.config.items.map((item) => item.id),
  );
  if (!read.enabled) return read;
  const { settings } = read;
  const { clock, logger } = options;
  const { db } = options.database;
  const client = new WecomApiClient({
    apiBase: settings.apiBase,
    corpId: settings.corpId,
    agentId: settings.agentId,
    secret: settings.secret,
    ...(settings.kfSecret ? { kfSecret: settings.kfSecret } : {}),
    clock,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const enqueue: Enqueue = (input) => options.outbox.enqueue(input);
  const directory = createWecomStaffDirectory(options.config.staff);
  let connected: { flows: Flows; notifyStaff: ChannelGateway['notifyStaff'] } | null = null;
  const staffNotifier = createWecomStaffNotifier({
    directory,
    enqueue,
    clock,
    findMedia: () => (connected ? citizenMediaFinder(connected.flows) : null),
  });

  const deliver = createStaffDeliverers({
    client,
    db,
    clock,
    robotKeys: settings.robotKeys,
    appChats: settings.appChats,
    ...options.limits,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  options.outbox.register(WECOM_OUTBOX.app, deliver.app);
  options.outbox.register(WECOM_OUTBOX.cardUpdate, deliver.cardUpdate);
  options.outbox.register(WECOM_OUTBOX.group, deliver.group);
  options.outbox.register(WECOM_OUTBOX.kfSend, createKfSendDeliverer(client));

  const welcomeCodes = new WelcomeCodes(clock);
  const citizenSender = createKfCitizenSender({
    db,
    welcomeCodes,
    enqueue,
    clock,
    logger,
    async tellStaff(conversationId, text) {
      if (!connected) return;
      const conversation = await connected.flows.getConversation(conversationId);
      if (conversation?.assigneeId)
        await connected.notifyStaff(conversation.assigneeId, { type: 'info', text, conversationId });
    },
  });

  return {
    enabled: true,
    channel: {
      settings,
      client,
      citizenSender,
      staffNotifier,
      connect({ flows, notifyStaff }) {
        if (connected) throw new Error('the WeCom channel is already connected');
        connected = { flows, notifyStaff: notifyStaff ?? ((id, n) => staffNotifier.notifyStaff(id, n)) };
        options.outbox.register(
          WECOM_OUTBOX.kfSync,
          createKfSyncDeliverer({ client, db, flows, clock, logger, welcomeCodes }),
        );
        return createWecomCallbackRouter({
          secrets: {
            token: settings.token,
            aes: settings.aes,
            corpId: settings.corpId,
            maxClockSkewSeconds: settings.maxClockSkewSeconds,
          },
          clock,
          onCallback: createInboundHandler({ flows, directory, db, enqueue, clock }),
        });
      },
    },
  };
}

const MEDIA_KINDS = new Set(['image', 'voice', 'video', 'file']);

/**
 * A 微信客服 citizen's media message as WeCom media: its media_id belongs to the corp (3 days), so
 * the app can send it on to the helper as is. Web uploads would need media/upload first (not yet).
 */
function citizenMediaFinder(flows: Flows) {
  return async (conversationId: string, messageId: number): Promise<CitizenMedia | null> => {
    const conversation = await flows.getConversation(conversationId);
    if (conversation?.channel !== 'wecom_kf') return null;
    const [message] = await flows.transcript(conversationId, { afterId: messageId - 1, limit: 1 });
    if (!message || message.id !== messageId || !message.mediaRef || !MEDIA_KINDS.has(message.kind))
      return null;
    return { mediaType: message.kind as MediaType, mediaId: message.mediaRef };
  };
}

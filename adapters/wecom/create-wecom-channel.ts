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
import type { ChannelGateway, Clock, MediaStore } from '../../src/ports.ts';
import type { Database } from '../../src/storage/database.ts';
import { WecomApiClient } from './api-client.ts';
import type { MediaType } from './api-types.ts';
import { createWecomCallbackRouter } from './callback-router.ts';
import { createInboundHandler } from './inbound-handler.ts';
import {
  createKfCitizenSender,
  createKfReceiveDeliverer,
  createKfSendDeliverer,
  createKfSyncDeliverer,
  WelcomeCodes,
} from './kf-channel.ts';
import { createMediaStore as createWebchatUploads } from '../webchat/media-store.ts';
import { createMediaReader, isBangbanMediaRef, kfMediaIdOf } from './media-bridge.ts';
import { WECOM_OUTBOX, type Enqueue } from './outbox-kinds.ts';
import { createStaffMediaDeliverer } from './staff-media.ts';
import { createStaffDeliverers } from './staff-deliverers.ts';
import { createStaffDirectory } from '../shared/staff-directory.ts';
import type { CitizenMedia } from './render-notification.ts';
import { createWecomStaffNotifier } from './staff-notifier.ts';
import { readWecomSettings, type WecomSettings } from './wecom-settings.ts';

export interface WecomChannelOptions {
  env: NodeJS.ProcessEnv;
  config: Pick<Config, 'staff' | 'items'> & Partial<Pick<Config, 'wecom'>>;
  database: Pick<Database, 'db'>;
  outbox: Pick<OutboxRunner, 'enqueue' | 'register'>;
  clock: Clock;
  logger: Logger;
  /**
   * Per-member and per-robot limits (default: config `wecom.limits`, else 30 and 20 a minute);
   * `shared` counts them in the database for all instances together (default: config, else true).
   */
  limits?: { memberPerMinute?: number; robotPerMinute?: number; shared?: boolean };
  /** Tests pass a fake sleep to the API client and the rate queues. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The shared MediaStore (`media:<id>` refs). With it, staff media is downloaded into it and
   * relayed to any citizen channel, and `media:` refs are uploaded to WeCom when sent.
   */
  media?: MediaStore;
  /** The web widget's uploads folder, so `webchat-upload:` images reach WeCom staff as images. */
  webchatUploadsDir?: string;
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
    options.config.wecom,
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
  const readMedia = createMediaReader({
    ...(options.media ? { media: options.media } : {}),
    ...(options.webchatUploadsDir ? { webchatUploads: createWebchatUploads(options.webchatUploadsDir) } : {}),
  });
  const directory = createStaffDirectory(options.config.staff, 'wecom');
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
    readMedia,
    memberPerMinute: options.limits?.memberPerMinute ?? settings.limits.memberPerMinute,
    robotPerMinute: options.limits?.robotPerMinute ?? settings.limits.robotPerMinute,
    robotPerMinuteByItem: settings.limits.robotPerMinuteByItem,
    sharedLimits: options.limits?.shared ?? settings.limits.shared,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  options.outbox.register(WECOM_OUTBOX.app, deliver.app);
  options.outbox.register(WECOM_OUTBOX.cardUpdate, deliver.cardUpdate);
  options.outbox.register(WECOM_OUTBOX.group, deliver.group);
  options.outbox.register(WECOM_OUTBOX.kfSend, createKfSendDeliverer(client, readMedia));

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
          createKfSyncDeliverer({
            client,
            db,
            flows,
            clock,
            logger,
            welcomeCodes,
            // 微信客服 media is downloaded into the MediaStore when there is one.
            ...(options.media ? { enqueue } : {}),
          }),
        );
        if (options.media) {
          options.outbox.register(
            WECOM_OUTBOX.staffMedia,
            createStaffMediaDeliverer({ client, media: options.media, flows, enqueue }),
          );
          options.outbox.register(
            WECOM_OUTBOX.kfReceive,
            createKfReceiveDeliverer({ client, db, media: options.media, flows, logger }),
          );
        }
        return createWecomCallbackRouter({
          secrets: {
            token: settings.token,
            aes: settings.aes,
            corpId: settings.corpId,
            maxClockSkewSeconds: settings.maxClockSkewSeconds,
          },
          clock,
          onCallback: createInboundHandler({
            flows,
            directory,
            db,
            enqueue,
            clock,
            downloadStaffMedia: options.media !== undefined,
          }),
        });
      },
    },
  };
}

const MEDIA_KINDS = new Set(['image', 'voice', 'video', 'file']);

/**
 * A citizen's media message as WeCom media for the helper: a 微信客服 media_id belongs to the corp
 * (3 days) and is sent on as is (a `wecom_kf:<id>` ref is one whose download failed); a bangban ref (`media:` from another platform, `webchat-upload:`
 * from the widget) is uploaded with media/upload when the message is delivered. Other channels'
 * own handles (not in the MediaStore) cannot be read here and stay a text notice.
 */
function citizenMediaFinder(flows: Flows) {
  return async (conversationId: string, messageId: number): Promise<CitizenMedia | null> => {
    const conversation = await flows.getConversation(conversationId);
    if (!conversation) return null;
    const [message] = await flows.transcript(conversationId, { afterId: messageId - 1, limit: 1 });
    if (!message || message.id !== messageId || !message.mediaRef || !MEDIA_KINDS.has(message.kind))
      return null;
    if (!isBangbanMediaRef(message.mediaRef) && conversation.channel !== 'wecom_kf') return null;
    const mediaId = isBangbanMediaRef(message.mediaRef) ? message.mediaRef : kfMediaIdOf(message.mediaRef);
    return { mediaType: message.kind as MediaType, mediaId };
  };
}

/**
 * The DingTalk channel in one piece: settings, API client, outbox deliverers, the staff notifier
 * (actionCards, reminders, group posts) and — once the flows exist — the callback router (and, in
 * Stream mode, the gateway client). Plugged in by adapters/dingtalk/platform.ts.
 */
import type { Router } from '@koa/router';
import type { StaffNotifier } from '../../src/channel-router.ts';
import type { Config } from '../../src/config/config-types.ts';
import type { Flows } from '../../src/flows/types.ts';
import type { AppState } from '../../src/http/app-state.ts';
import type { OutboxRunner } from '../../src/jobs/outbox-runner.ts';
import type { Logger } from '../../src/logger.ts';
import type { Clock, MediaStore } from '../../src/ports.ts';
import type { Database } from '../../src/storage/database.ts';
import { DingtalkApiClient } from './api-client.ts';
import { createDingtalkRouter } from './callback-router.ts';
import { readDingtalkSettings, type DingtalkSettings } from './dingtalk-settings.ts';
import { createInboundHandler, type RobotMessageHandler } from './inbound-handler.ts';
import { parseRobotMessage } from './parse-robot-message.ts';
import { DingtalkStreamClient } from './stream-client.ts';
import { DINGTALK_OUTBOX, type Enqueue } from './outbox-kinds.ts';
import type { CitizenMedia } from './render-notification.ts';
import { createDingtalkDeliverers } from './staff-deliverers.ts';
import { createStaffDirectory } from '../shared/staff-directory.ts';
import { createDingtalkStaffNotifier } from './staff-notifier.ts';

export interface DingtalkChannelOptions {
  env: NodeJS.ProcessEnv;
  config: Pick<Config, 'staff' | 'items'> & { dingtalk?: Config['dingtalk'] };
  database: Pick<Database, 'db'>;
  outbox: Pick<OutboxRunner, 'enqueue' | 'register'>;
  clock: Clock;
  logger: Logger;
  media: MediaStore;
  limits?: { robotPerMinute?: number; memberPerMinute?: number };
  /** Tests pass a fake sleep to the API client and the rate queues. */
  sleep?: (ms: number) => Promise<void>;
  /** Stream reconnect backoff and keep-alive (tests shorten them). */
  streamOptions?: { backoff?: { baseMs: number; maxMs: number }; keepAliveMs?: number };
}

export interface DingtalkChannel {
  settings: DingtalkSettings;
  client: DingtalkApiClient;
  staffNotifier: StaffNotifier;
  /** The robot-message handler (HTTP callback and Stream); exists once connected. */
  handler(): RobotMessageHandler | null;
  /** Stream mode (DINGTALK_STREAM=1): the gateway client, started by `connect`. */
  stream(): DingtalkStreamClient | null;
  connect(deps: { flows: Flows }): Router<AppState>;
}

export type DingtalkChannelResult =
  | { enabled: true; channel: DingtalkChannel }
  | { enabled: false; reason: string }
  | { enabled: false; errors: string[] };

export function createDingtalkChannel(options: DingtalkChannelOptions): DingtalkChannelResult {
  const read = readDingtalkSettings(options.env, options.config);
  if (!read.enabled) return read;
  const { settings } = read;
  const { clock, logger } = options;
  const { db } = options.database;
  const client = new DingtalkApiClient({
    apiBase: settings.apiBase,
    oapiBase: settings.oapiBase,
    appKey: settings.appKey,
    appSecret: settings.appSecret,
    robotCode: settings.robotCode,
    clock,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const enqueue: Enqueue = (input) => options.outbox.enqueue(input);
  const directory = createStaffDirectory(options.config.staff, 'dingtalk');
  let connected: Flows | null = null;
  let handler: RobotMessageHandler | null = null;
  let stream: DingtalkStreamClient | null = null;
  const staffNotifier = createDingtalkStaffNotifier({
    directory,
    enqueue,
    clock,
    findMedia: () => (connected ? citizenMediaFinder(connected) : null),
  });
  const deliver = createDingtalkDeliverers({
    client,
    db,
    clock,
    logger,
    media: options.media,
    groups: settings.groups,
    ...options.limits,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  options.outbox.register(DINGTALK_OUTBOX.staff, deliver.staff);
  options.outbox.register(DINGTALK_OUTBOX.group, deliver.group);

  return {
    enabled: true,
    channel: {
      settings,
      client,
      staffNotifier,
      handler: () => handler,
      stream: () => stream,
      connect({ flows }) {
        if (connected) throw new Error('the DingTalk channel is already connected');
        connected = flows;
        const onMessage = createInboundHandler({
          flows,
          directory,
          db,
          enqueue,
          clock,
          client,
          media: options.media,
        });
        handler = onMessage;
        if (settings.stream) {
          const log = logger.child({ channel: 'dingtalk-stream' });
          stream = new DingtalkStreamClient({
            apiBase: settings.apiBase,
            clientId: settings.appKey,
            clientSecret: settings.appSecret,
            logger: log,
            ...options.streamOptions,
            async onRobotMessage(body) {
              const parsed = parseRobotMessage(body);
              if (!parsed.ok) {
                log.warn({ reason: parsed.reason }, 'DingTalk Stream: not a robot message; acknowledged');
                return 'rejected';
              }
              await onMessage(parsed.message, log);
              return 'ok';
            },
          });
          stream.start();
        }
        return createDingtalkRouter({
          appKey: settings.appKey,
          appSecret: settings.appSecret,
          maxClockSkewSeconds: settings.maxClockSkewSeconds,
          ...(settings.callback ? { callback: settings.callback } : {}),
          clock,
          onMessage,
        });
      },
    },
  };
}

const MEDIA_KINDS = new Set(['image', 'voice', 'video', 'file']);

/** A citizen message's media from the shared store (`media:<id>`), to upload to DingTalk. */
function citizenMediaFinder(flows: Flows) {
  return async (conversationId: string, messageId: number): Promise<CitizenMedia | null> => {
    const [message] = await flows.transcript(conversationId, { afterId: messageId - 1, limit: 1 });
    if (!message || message.id !== messageId || !message.mediaRef?.startsWith('media:')) return null;
    if (!MEDIA_KINDS.has(message.kind)) return null;
    return { mediaRef: message.mediaRef, mediaKind: message.kind as CitizenMedia['mediaKind'] };
  };
}

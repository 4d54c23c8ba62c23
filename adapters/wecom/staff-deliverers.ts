/**
 * Outbox deliverers for what staff receive in WeCom: app messages (≤ 30/min per member, texts
 * merged while waiting), card rewrites, and item-group posts (robot ≤ 20/min). Errors keep their
 * `retryable` flag, which the outbox runner reads.
 */
import { createHash } from 'node:crypto';
import type { Deliverer } from '../../src/jobs/outbox-runner.ts';
import type { Clock } from '../../src/ports.ts';
import type { Db } from '../../src/storage/database.ts';
import { WecomApiError } from './api-errors.ts';
import type { WecomApiClient } from './api-client.ts';
import type { RobotMessage } from './api-types.ts';
import { saveCard, spendCard, updatableCards } from './card-store.ts';
import { uploadRef, type MediaReader } from './media-bridge.ts';
import { MergingQueue } from '../shared/merging-queue.ts';
import type { AppContent, AppPayload, CardUpdatePayload, GroupPayload } from './outbox-kinds.ts';
import { DbRateWindow } from './db-rate-window.ts';
import { RateWindow, type SlotTaker } from '../shared/rate-window.ts';

/** Text limits: app and robot text 2048 bytes (doc 90236 / 91770). */
const TEXT_MAX_BYTES = 2048;

export interface StaffDeliveryDeps {
  client: WecomApiClient;
  db: Db;
  clock: Clock;
  robotKeys: Readonly<Record<string, string>>;
  appChats: Readonly<Record<string, string>>;
  /** Limits (defaults 30 and 20; lower them when several instances share the platform's budget). */
  memberPerMinute?: number;
  robotPerMinute?: number;
  /** Lower robot limits for some items' robots (config `wecom.groups[].robotPerMinute`). */
  robotPerMinuteByItem?: Readonly<Record<string, number>>;
  /** Count the limits in the database (all instances together) instead of in this process. */
  sharedLimits?: boolean;
  sleep?: (ms: number) => Promise<void>;
  /** Reads bangban media refs for upload (citizen media from other channels). */
  readMedia?: MediaReader;
}

interface AppItem {
  message: AppContent;
  conversationId?: string;
}

type GroupItem = { kind: 'robot' | 'chat'; target: string; text: string; mention: string[] };

export interface StaffDeliverers {
  app: Deliverer<AppPayload>;
  cardUpdate: Deliverer<CardUpdatePayload>;
  group: Deliverer<GroupPayload>;
}

/** A robot's rate key: its key is a credential, so only a hash of it is kept (and stored). */
export const robotRateKey = (robotKey: string) =>
  `robot:${createHash('sha256').update(robotKey).digest('hex').slice(0, 24)}`;

export function createStaffDeliverers(deps: StaffDeliveryDeps): StaffDeliverers {
  const { client, db, clock } = deps;
  const sleep = deps.sleep;
  const memberLimit = deps.memberPerMinute ?? 30;
  const robotLimit = deps.robotPerMinute ?? 20;
  // A robot shared by several items takes the lowest of their limits.
  const robotLimits = new Map<string, number>();
  for (const [itemId, limit] of Object.entries(deps.robotPerMinuteByItem ?? {})) {
    const robot = deps.robotKeys[itemId];
    if (!robot) continue;
    const key = robotRateKey(robot);
    robotLimits.set(key, Math.min(limit, robotLimits.get(key) ?? robotLimit));
  }
  const groupLimitOf = (key: string) => robotLimits.get(key) ?? robotLimit;
  const window = (limitOf: (key: string) => number): SlotTaker =>
    deps.sharedLimits ? new DbRateWindow(db, clock, limitOf) : new RateWindow(limitOf, clock);
  const members = new MergingQueue<AppItem>({
    platform: 'WeCom',
    window: window(() => memberLimit),
    clock,
    ...(sleep ? { sleep } : {}),
    merge: (a, b) => {
      if (a.message.msgtype !== 'text' || b.message.msgtype !== 'text') return null;
      const content = joinTexts(a.message.text.content, b.message.text.content);
      return content === null ? null : { message: { msgtype: 'text', text: { content } } };
    },
    send: async (userId, item) => {
      const sent = await client.sendMessage({ touser: userId, ...item.message } as Parameters<
        WecomApiClient['sendMessage']
      >[0]);
      if (item.message.msgtype === 'template_card' && item.conversationId) {
        await saveCard(
          db,
          {
            taskId: item.message.template_card.task_id,
            conversationId: item.conversationId,
            userId,
            ...(sent.responseCode ? { responseCode: sent.responseCode } : {}),
          },
          clock.now(),
        );
      }
    },
  });
  const groups = new MergingQueue<GroupItem>({
    platform: 'WeCom',
    window: window(groupLimitOf),
    clock,
    ...(sleep ? { sleep } : {}),
    merge: (a, b) => {
      if (a.kind !== b.kind || a.target !== b.target) return null;
      const text = joinTexts(a.text, b.text);
      return text === null ? null : { ...a, text, mention: [...new Set([...a.mention, ...b.mention])] };
    },
    send: async (_key, item) => {
      if (item.kind === 'chat') {
        const mentions = item.mention.map((id) => `<@${id}>`).join(' ');
        await client.sendAppChat(item.target, {
          msgtype: 'text',
          text: { content: mentions ? `${item.text}\n${mentions}` : item.text },
        });
        return;
      }
      const message: RobotMessage = {
        msgtype: 'text',
        text: { content: item.text, ...(item.mention.length > 0 ? { mentioned_list: item.mention } : {}) },
      };
      await client.sendRobot(item.target, message);
    },
  });

  const sendText = (userId: string, content: string) =>
    members.send(userId, { message: { msgtype: 'text', text: { content } } });

  return {
    async app(payload) {
      let message = payload.message;
      if (payload.upload) {
        // Uploaded at delivery: a retry after 3 days still gets a live media_id.
        const { mediaId, mediaType } = await uploadRef(
          client,
          deps.readMedia ?? (async () => null),
          payload.upload.ref,
          payload.upload.mediaType,
        );
        message = { msgtype: mediaType, [mediaType]: { media_id: mediaId } } as AppContent;
      }
      await members.send(payload.userId, {
        message,
        ...(payload.conversationId ? { conversationId: payload.conversationId } : {}),
      });
    },
    async cardUpdate(payload) {
      const cards = await updatableCards(db, payload.conversationId, payload.userId);
      let updated = 0;
      for (const card of cards) {
        try {
          await client.updateTemplateCard({
            userIds: [payload.userId],
            responseCode: card.responseCode,
            replaceName: payload.replaceName,
          });
          updated += 1;
        } catch (error) {
          // A used or expired code (72 h) cannot succeed later; anything else is retried by the outbox.
          if (!(error instanceof WecomApiError) || error.retryable) throw error;
        }
        await spendCard(db, card.taskId, clock.now());
      }
      if (updated === 0 && payload.fallbackText) await sendText(payload.userId, payload.fallbackText);
    },
    async group(payload) {
      const robot = deps.robotKeys[payload.itemId];
      const chat = deps.appChats[payload.itemId];
      const sends: Promise<void>[] = [];
      if (robot)
        sends.push(
          groups.send(robotRateKey(robot), {
            kind: 'robot',
            target: robot,
            text: payload.text,
            mention: payload.mention,
          }),
        );
      if (chat)
        sends.push(
          groups.send(`chat:${chat}`, {
            kind: 'chat',
            target: chat,
            text: payload.text,
            mention: payload.mention,
          }),
        );
      await Promise.all(sends);
    },
  };
}

/** Two texts as one message, or null when together they pass WeCom's length limit. */
function joinTexts(a: string, b: string): string | null {
  const joined = `${a}\n\n${b}`;
  return Buffer.byteLength(joined, 'utf8') <= TEXT_MAX_BYTES ? joined : null;
}

/**
 * Outbox deliverers for what staff receive in DingTalk.
 *
 * 1:1 (`dingtalk.staff`): through the person's latest session webhook while it is valid (no token
 * needed, supports @), otherwise — or when DingTalk refuses the webhook — the app robot's
 * oToMessages/batchSend. Texts waiting for a send slot (≤ 20 a minute per person here) are merged.
 *
 * Group (`dingtalk.group`): the item's custom robot (加签, `at.atUserIds`, ≤ 20 a minute by a token
 * bucket, waiting texts merged); on DingTalk's throttle error the robot is paused for 10 minutes and
 * the post takes the app robot instead: the group's session webhook (keeps the @) or
 * groupMessages/send (no @ there, so the names are written into the text).
 */
import { DeliveryError, type Deliverer } from '../../src/jobs/outbox-runner.ts';
import type { Logger } from '../../src/logger.ts';
import type { Clock, MediaStore } from '../../src/ports.ts';
import type { Db } from '../../src/storage/database.ts';
import { DingtalkApiError, isRetryableError } from './api-errors.ts';
import type { DingtalkApiClient, RobotTemplate, WebhookMessage } from './api-client.ts';
import { signedWebhookUrl } from './crypto.ts';
import type { DingtalkGroup } from './dingtalk-settings.ts';
import { MergingQueue } from '../shared/merging-queue.ts';
import type { GroupPayload, StaffContent, StaffPayload } from './outbox-kinds.ts';
import { RateWindow } from '../shared/rate-window.ts';
import { dropSession, groupSessionKey, pauseRobot, robotPausedUntil, validSession } from './session-store.ts';

/** Robot text/markdown is best kept under DingTalk's message size (msgParam ≤ 15000 bytes; 20 KB for webhooks). */
const TEXT_MAX_BYTES = 4000;
/** DingTalk blocks a custom robot for 10 minutes past 20 messages a minute (§2.4). */
export const ROBOT_PAUSE_MS = 10 * 60_000;

export interface DingtalkDeliveryDeps {
  client: DingtalkApiClient;
  db: Db;
  clock: Clock;
  logger: Logger;
  media: MediaStore;
  groups: Readonly<Record<string, DingtalkGroup>>;
  /** Custom robot messages a minute (default 20) and 1:1 messages a minute per person (default 20). */
  robotPerMinute?: number;
  memberPerMinute?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface StaffItem {
  payload: StaffPayload;
}

interface RobotItem {
  itemId: string;
  text: string;
  mention: string[];
  uuid: string;
}

export interface DingtalkDeliverers {
  staff: Deliverer<StaffPayload>;
  group: Deliverer<GroupPayload>;
}

export function createDingtalkDeliverers(deps: DingtalkDeliveryDeps): DingtalkDeliverers {
  const { client, db, clock, logger } = deps;
  const sleep = deps.sleep;

  const members = new MergingQueue<StaffItem>({
    platform: 'DingTalk',
    window: new RateWindow(deps.memberPerMinute ?? 20, clock),
    clock,
    ...(sleep ? { sleep } : {}),
    merge: (a, b) => {
      if (a.payload.content.type !== 'text' || b.payload.content.type !== 'text') return null;
      const text = joinTexts(a.payload.content.text, b.payload.content.text);
      return text === null ? null : { payload: { ...a.payload, content: { type: 'text', text } } };
    },
    send: (_key, item) => sendToStaff(item.payload),
  });

  const robots = new MergingQueue<RobotItem>({
    platform: 'DingTalk',
    window: new RateWindow(deps.robotPerMinute ?? 20, clock),
    clock,
    ...(sleep ? { sleep } : {}),
    merge: (a, b) => {
      const text = joinTexts(a.text, b.text);
      return text === null ? null : { ...a, text, mention: [...new Set([...a.mention, ...b.mention])] };
    },
    send: async (_key, item) => {
      const robot = deps.groups[item.itemId]?.robot;
      if (!robot) throw new DeliveryError(`no custom robot for ${item.itemId}`, { retryable: false });
      const url = signedWebhookUrl(robot.webhook, robot.secret, clock.now().getTime());
      await client.sendWebhook('robot/send', url, {
        message: { msgtype: 'text', text: { content: withMentions(item.text, item.mention) } },
        atUserIds: item.mention,
        msgUuid: item.uuid,
      });
    },
  });

  async function sendToStaff(payload: StaffPayload): Promise<void> {
    const now = clock.now();
    const viaRobot = payload.content.type === 'media' && payload.userId !== undefined;
    const session = viaRobot ? null : await validSession(db, payload.sessionKey, now);
    if (session) {
      try {
        const message = webhookMessage(payload.content);
        await client.sendWebhook('sendBySession', session, { message, msgUuid: payload.uuid });
        return;
      } catch (error) {
        // An expired or refused session webhook is not a failure: the robot API still reaches them.
        logger.info(
          { sessionKey: payload.sessionKey, err: describe(error) },
          'DingTalk session webhook refused; sending through the app robot',
        );
        await dropSession(db, payload.sessionKey, session);
      }
    }
    if (!payload.userId) {
      logger.warn(
        { sessionKey: payload.sessionKey },
        'DingTalk reply to a sender without userid and no valid session webhook: not sent',
      );
      return;
    }
    await client.batchSend([payload.userId], await robotTemplate(payload.content));
  }

  /** Session webhooks take the webhook JSON. */
  function webhookMessage(content: StaffContent): WebhookMessage {
    switch (content.type) {
      case 'text':
        return { msgtype: 'text', text: { content: content.text } };
      case 'card':
        return {
          msgtype: 'actionCard',
          actionCard: {
            title: content.title,
            text: content.markdown,
            singleTitle: content.buttonTitle,
            singleURL: content.buttonUrl,
            btnOrientation: '0',
          },
        };
      case 'media':
        // Media need the robot API (image/file messages by media_id); a webhook only says where to look.
        return { msgtype: 'text', text: { content: mediaGone(content) } };
    }
  }

  async function robotTemplate(content: StaffContent): Promise<RobotTemplate> {
    switch (content.type) {
      case 'text':
        return { msgKey: 'sampleText', msgParam: { content: content.text } };
      case 'card':
        return {
          msgKey: 'sampleActionCard',
          msgParam: {
            title: content.title,
            text: content.markdown,
            singleTitle: content.buttonTitle,
            singleURL: content.buttonUrl,
          },
        };
      case 'media': {
        const uploaded = await uploadCitizenMedia(content);
        if (!uploaded) return { msgKey: 'sampleText', msgParam: { content: mediaGone(content) } };
        if (uploaded.kind === 'image')
          return { msgKey: 'sampleImageMsg', msgParam: { photoURL: uploaded.mediaId } };
        return {
          msgKey: 'sampleFile',
          msgParam: { mediaId: uploaded.mediaId, fileName: uploaded.fileName, fileType: uploaded.fileType },
        };
      }
    }
  }

  /** Bytes from the shared store → DingTalk media_id. Voice and video travel as files (no duration known). */
  const uploads = new Map<
    string,
    { kind: 'image' | 'file'; mediaId: string; fileName: string; fileType: string }
  >();
  async function uploadCitizenMedia(content: Extract<StaffContent, { type: 'media' }>) {
    const cached = uploads.get(content.mediaRef);
    if (cached) return cached;
    const stored = await deps.media.get(content.mediaRef);
    if (!stored) return null;
    const kind = content.mediaKind === 'image' ? 'image' : 'file';
    const fileName =
      content.fileName ?? stored.fileName ?? defaultName(content.mediaKind, stored.contentType);
    const mediaId = await client.uploadMedia(kind, {
      data: stored.bytes,
      contentType: stored.contentType,
      fileName,
    });
    const fileType = /\.([A-Za-z0-9]{1,8})$/.exec(fileName)?.[1]?.toLowerCase() ?? 'file';
    const uploaded = { kind, mediaId, fileName, fileType } as const;
    // media_id lives 3 days; keep it for this process's retries only.
    if (uploads.size > 500) uploads.clear();
    uploads.set(content.mediaRef, uploaded);
    return uploaded;
  }

  return {
    staff: (payload) => {
      // Media skip the merge queue's text merging but still count against the person's rate.
      return members.send(payload.userId ?? payload.sessionKey, { payload });
    },
    async group(payload) {
      const group = deps.groups[payload.itemId];
      if (!group || (!group.robot && !group.openConversationId)) {
        logger.debug({ itemId: payload.itemId }, 'no DingTalk group for this item; group post skipped');
        return;
      }
      const now = clock.now();
      if (group.robot && !(await robotPausedUntil(db, payload.itemId, now))) {
        try {
          await robots.send(payload.itemId, { ...payload });
          return;
        } catch (error) {
          if (error instanceof DingtalkApiError && error.throttled) {
            const until = new Date(clock.now().getTime() + ROBOT_PAUSE_MS);
            await pauseRobot(db, payload.itemId, until, error.message, clock.now());
            logger.warn(
              { itemId: payload.itemId, until: until.toISOString() },
              'DingTalk custom robot throttled: paused for 10 minutes, posting through the app robot',
            );
          } else if (isRetryableError(error) || !group.openConversationId) {
            throw error;
          } else {
            logger.error(
              { itemId: payload.itemId, err: describe(error) },
              'DingTalk custom robot refused the post (check its webhook, 加签 secret or keywords); using the app robot',
            );
          }
        }
      }
      if (!group.openConversationId) {
        throw new DeliveryError(
          `the custom robot of ${payload.itemId} is paused and no openConversationId is set`,
          {
            retryable: true,
          },
        );
      }
      const sessionKey = groupSessionKey(group.openConversationId);
      const session = await validSession(db, sessionKey, clock.now());
      const content = withMentions(payload.text, payload.mention);
      if (session) {
        try {
          await client.sendWebhook('sendBySession', session, {
            message: { msgtype: 'text', text: { content } },
            atUserIds: payload.mention,
            msgUuid: payload.uuid,
          });
          return;
        } catch (error) {
          logger.info(
            { err: describe(error) },
            'DingTalk group session webhook refused; using groupMessages/send',
          );
          await dropSession(db, sessionKey, session);
        }
      }
      await client.groupSend(group.openConversationId, { msgKey: 'sampleText', msgParam: { content } });
    },
  };
}

/** DingTalk shows an @ only when `@<userid>` is also in the text (§2.3). */
function withMentions(text: string, mention: readonly string[]): string {
  return mention.length === 0 ? text : `${text}\n${mention.map((id) => `@${id}`).join(' ')}`;
}

function joinTexts(a: string, b: string): string | null {
  const joined = `${a}\n\n${b}`;
  return Buffer.byteLength(joined, 'utf8') <= TEXT_MAX_BYTES ? joined : null;
}

function mediaGone(content: Extract<StaffContent, { type: 'media' }>): string {
  const what = { image: '图片', voice: '语音', video: '视频', file: '文件' }[content.mediaKind];
  return `（服务对象发送的${what}已无法读取，请在帮办工作台查看。）`;
}

function defaultName(kind: string, contentType: string): string {
  const ext = /\/(jpeg|jpg|png|gif|pdf|amr|mp3|mp4|zip)$/.exec(contentType)?.[1] ?? 'bin';
  return `${kind}.${ext === 'jpeg' ? 'jpg' : ext}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What an authenticated robot message leads to (HTTP callback or Stream): its session webhook is
 * remembered for replies; a staff member's message goes into the inbox through `flows.receive`
 * (deduped on channel `dingtalk` + msgId) with their media downloaded into the shared MediaStore
 * first; a sender not on the rota is told so through the robot; anything else is logged.
 */
import type { InboundMessage } from '../../src/core/inbound.ts';
import type { Flows } from '../../src/flows/types.ts';
import type { Logger } from '../../src/logger.ts';
import type { Clock, MediaStore } from '../../src/ports.ts';
import type { Db } from '../../src/storage/database.ts';
import type { DingtalkApiClient } from './api-client.ts';
import { DINGTALK_OUTBOX, type Enqueue, type StaffPayload } from './outbox-kinds.ts';
import type { RobotMessage } from './parse-robot-message.ts';
import { groupSessionKey, saveSession, senderSessionKey, userSessionKey } from './session-store.ts';
import { uuidFor } from './staff-notifier.ts';
import type { StaffDirectory } from '../shared/staff-directory.ts';

export const NOT_ON_ROTA = '您不在帮办值班名单中，暂不能通过本机器人处理咨询。如有需要请联系综合处。';
export const UNSUPPORTED = '暂不支持这类消息，请发送文字（或图片、文件）。';

export interface InboundHandlerDeps {
  flows: Pick<Flows, 'receive'>;
  directory: StaffDirectory;
  db: Db;
  enqueue: Enqueue;
  clock: Clock;
  client: Pick<DingtalkApiClient, 'downloadMessageFile'>;
  media: MediaStore;
}

export type RobotMessageHandler = (message: RobotMessage, log: Logger) => Promise<void>;

export function createInboundHandler(deps: InboundHandlerDeps): RobotMessageHandler {
  const tell = (userId: string | undefined, sessionKey: string, text: string, idempotencyKey: string) => {
    const payload: StaffPayload = {
      ...(userId ? { userId } : {}),
      sessionKey,
      content: { type: 'text', text },
      uuid: uuidFor(idempotencyKey),
    };
    return deps.enqueue({ kind: DINGTALK_OUTBOX.staff, payload, idempotencyKey });
  };

  return async (message, log) => {
    const now = deps.clock.now();
    const userId = message.senderStaffId;
    const sessionKey = userId
      ? userSessionKey(userId)
      : senderSessionKey(message.senderId ?? message.conversationId);
    if (message.session && message.session.expiresAt.getTime() > now.getTime()) {
      const key = message.conversationType === 'group' ? groupSessionKey(message.conversationId) : sessionKey;
      await saveSession(deps.db, key, message.session.webhook, message.session.expiresAt, now);
    }
    // Group @-messages answer 1:1: the person's own reply path is their single-chat session or the robot.
    const replyKey =
      message.conversationType === 'group' && !userId ? groupSessionKey(message.conversationId) : sessionKey;

    if (!userId || !deps.directory.staffIdOf(userId)) {
      log.warn(
        { userId: userId ?? null, msgId: message.msgId },
        'DingTalk message from someone not on the rota',
      );
      await tell(userId, replyKey, NOT_ON_ROTA, `dingtalk:not-on-rota:${message.msgId}`);
      return;
    }
    const base = {
      channel: 'dingtalk' as const,
      externalId: message.msgId,
      channelUserId: userId,
      senderRole: 'staff' as const,
      channelThreadId: message.conversationId,
      ...(message.createdAt && !Number.isNaN(message.createdAt.getTime())
        ? { sentAt: message.createdAt }
        : {}),
    };
    const { body } = message;
    let inbound: InboundMessage;
    if (body.kind === 'text') {
      inbound = { ...base, kind: 'text', text: body.text };
    } else if (body.kind === 'media') {
      const mediaRef = await download(body.downloadCode, body.fileName, log);
      inbound = {
        ...base,
        kind: body.mediaKind,
        mediaRef,
        ...(body.fileName ? { fileName: body.fileName } : {}),
        ...(body.recognition ? { recognition: body.recognition } : {}),
      };
    } else {
      log.info(
        { msgtype: body.msgtype, msgId: message.msgId },
        'DingTalk message type bangban does not handle',
      );
      await tell(userId, replyKey, UNSUPPORTED, `dingtalk:unsupported:${message.msgId}`);
      return;
    }
    const stored = await deps.flows.receive(inbound);
    if (stored.duplicate)
      log.info({ msgId: message.msgId }, 'DingTalk message delivered again; already stored');
  };

  /**
   * robot/messageFiles/download → bytes → MediaStore. A download that fails still lets the message
   * through (the core answers staff media with its own hint) with the DingTalk code as the ref.
   */
  async function download(downloadCode: string, fileName: string | undefined, log: Logger): Promise<string> {
    try {
      const file = await deps.client.downloadMessageFile(downloadCode);
      return await deps.media.put({
        bytes: file.data,
        contentType: /^[\w.+-]+\/[\w.+-]+$/.test(file.contentType)
          ? file.contentType
          : 'application/octet-stream',
        ...((fileName ?? file.fileName) ? { fileName: fileName ?? file.fileName } : {}),
      });
    } catch (error) {
      log.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'DingTalk media download failed',
      );
      return `dingtalk:${downloadCode.slice(0, 200)}`;
    }
  }
}

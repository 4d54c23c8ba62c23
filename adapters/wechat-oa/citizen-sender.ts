/**
 * `sendToCitizen` for channel 'wechat_oa'. A callback of this citizen still waiting for its passive
 * reply takes the message; otherwise it goes through the outbox to message/custom/send, inside the
 * customer-service window only (48 h / 5 per citizen message, protocols §6.6). Without a slot the
 * message is not sent: the conversation records it and the assigned helper is told why.
 */
import { randomUUID } from 'node:crypto';
import type { CitizenSender } from '../../src/channel-router.ts';
import type { CitizenAddress, Clock, OutboundMessage } from '../../src/ports.ts';
import type { Db } from '../../src/storage/database.ts';
import type { WechatOaUndeliveredReason } from '../../src/storage/schema/wechat-oa.ts';
import { recordUndelivered, takeReplySlot } from './customer-window.ts';
import { WECHAT_OA_OUTBOX, type CustomSendPayload, type Enqueue } from './outbox-kinds.ts';
import type { PassiveReplies } from './passive-replies.ts';

export interface OaLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const UNREACHABLE_TEXT: Record<WechatOaUndeliveredReason, string> = {
  unknown_citizen: '该服务对象未在公众号留言，无法通过公众号回复。',
  window_closed:
    '服务对象已超过 48 小时未在公众号发言，公众号无法再向其发送消息。请改用电话联系，或待其再次留言。',
  reply_limit: '公众号规则：服务对象每发一条消息，最多可回复 5 条。请等待服务对象回复后再发送。',
  unsubscribed: '服务对象已取消关注公众号，无法再通过公众号联系。请改用电话联系。',
  api_refused: '公众号拒绝了这条消息（服务对象不在可回复时间内或已取消关注），消息未送达。',
};

export interface UnreachableReport {
  to: CitizenAddress;
  kind: OutboundMessage['kind'];
  reason: WechatOaUndeliveredReason;
  errcode?: number;
}

/** Records that a message did not reach the citizen and tells the assigned helper. */
export function createUnreachableReporter(deps: {
  db: Db;
  clock: Clock;
  logger: OaLogger;
  tellStaff(conversationId: string, text: string): Promise<void>;
}): (report: UnreachableReport) => Promise<void> {
  return async ({ to, kind, reason, errcode }) => {
    deps.logger.warn(
      { conversationId: to.conversationId, reason, ...(errcode ? { errcode } : {}) },
      'WeChat Official Account: the citizen cannot be reached there',
    );
    await recordUndelivered(deps.db, {
      conversationId: to.conversationId,
      openId: to.citizenUserId,
      reason,
      ...(errcode ? { errcode } : {}),
      messageKind: kind,
      at: deps.clock.now(),
    });
    await deps.tellStaff(to.conversationId, UNREACHABLE_TEXT[reason]);
  };
}

export interface OaCitizenSender extends CitizenSender {
  /** The custom-message path alone (what a callback that stopped waiting hands back). */
  sendCustom(to: CitizenAddress, message: OutboundMessage): Promise<void>;
}

export function createOaCitizenSender(deps: {
  db: Db;
  clock: Clock;
  passive: PassiveReplies;
  enqueue: Enqueue;
  unreachable: (report: UnreachableReport) => Promise<void>;
}): OaCitizenSender {
  const sendCustom = async (to: CitizenAddress, message: OutboundMessage): Promise<void> => {
    const slot = await takeReplySlot(deps.db, to.citizenUserId, deps.clock.now());
    if (!slot.ok) {
      await deps.unreachable({ to, kind: message.kind, reason: slot.reason });
      return;
    }
    const payload: CustomSendPayload = {
      openId: to.citizenUserId,
      conversationId: to.conversationId,
      message,
    };
    await deps.enqueue({
      kind: WECHAT_OA_OUTBOX.customSend,
      payload,
      idempotencyKey: `wechat_oa:custom:${randomUUID()}`,
    });
  };
  return {
    sendCustom,
    async sendToCitizen(to, message) {
      if (deps.passive.offer({ to, message })) return;
      await sendCustom(to, message);
    },
  };
}

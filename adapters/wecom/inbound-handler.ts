/**
 * What an authenticated WeCom callback leads to: a staff member's message or card click goes
 * into the inbox through `flows.receive` (before the ack); a 微信客服 push becomes an outbox sync
 * job; a member not on the rota is told so; anything else is logged and acknowledged.
 */
import type { Flows } from '../../src/flows/types.ts';
import type { Logger } from '../../src/logger.ts';
import type { Clock } from '../../src/ports.ts';
import type { Db } from '../../src/storage/database.ts';
import { recordCardClick } from './card-store.ts';
import { isBangbanMediaRef } from './media-bridge.ts';
import {
  WECOM_OUTBOX,
  type AppPayload,
  type Enqueue,
  type KfSyncPayload,
  type StaffMediaPayload,
} from './outbox-kinds.ts';
import type { WecomCallback } from './parse-callback.ts';
import type { StaffDirectory } from '../shared/staff-directory.ts';

export const NOT_ON_ROTA = '您不在帮办值班名单中，暂不能通过本应用处理咨询。如有需要请联系综合处。';

export interface InboundHandlerDeps {
  flows: Pick<Flows, 'receive' | 'getConversation'>;
  directory: StaffDirectory;
  db: Db;
  enqueue: Enqueue;
  clock: Clock;
  /**
   * True when a MediaStore is wired: a staff member's media is then downloaded by an outbox job
   * (media/get can take longer than WeCom's 5 s) and received as a `media:<id>` ref.
   */
  downloadStaffMedia?: boolean;
}

export function createInboundHandler(
  deps: InboundHandlerDeps,
): (callback: WecomCallback, request: { readonly log: Logger }) => Promise<void> {
  const tell = (userId: string, content: string, idempotencyKey: string) => {
    const payload: AppPayload = { userId, message: { msgtype: 'text', text: { content } } };
    return deps.enqueue({ kind: WECOM_OUTBOX.app, payload, idempotencyKey });
  };

  return async (callback, request) => {
    if (callback.type === 'ignored') {
      request.log.info(
        { msgType: callback.msgType, event: callback.event },
        'WeCom callback of a type bangban does not handle; acknowledged',
      );
      return;
    }
    if (callback.type === 'kf') {
      const payload: KfSyncPayload = { openKfId: callback.openKfId, token: callback.token };
      await deps.enqueue({
        kind: WECOM_OUTBOX.kfSync,
        payload,
        idempotencyKey: `wecom:kf-sync:${callback.dedupeKey}`,
      });
      return;
    }
    const { message } = callback;
    const userId = message.channelUserId;
    if (!deps.directory.staffIdOf(userId)) {
      request.log.warn({ userId }, 'WeCom message from a member who is not on the rota');
      await tell(userId, NOT_ON_ROTA, `wecom:not-on-rota:${message.externalId}`);
      return;
    }
    if (
      deps.downloadStaffMedia &&
      (message.kind === 'image' ||
        message.kind === 'voice' ||
        message.kind === 'video' ||
        message.kind === 'file') &&
      !isBangbanMediaRef(message.mediaRef)
    ) {
      const payload: StaffMediaPayload = {
        msgId: message.externalId,
        userId,
        kind: message.kind,
        mediaId: message.mediaRef,
        ...(message.fileName ? { fileName: message.fileName } : {}),
        ...(message.recognition ? { recognition: message.recognition } : {}),
        ...(message.sentAt ? { sentAt: message.sentAt.toISOString() } : {}),
      };
      // Keyed on MsgId, so WeCom's retries of the callback download (and relay) once.
      await deps.enqueue({
        kind: WECOM_OUTBOX.staffMedia,
        payload,
        idempotencyKey: `wecom:staff-media:${message.externalId}`,
      });
      return;
    }
    if (callback.card)
      await recordCardClick(deps.db, callback.card.taskId, callback.card.responseCode, deps.clock.now());
    const stored = await deps.flows.receive(message);
    const transfer = message.kind === 'event' ? /^transfer:(.+)$/.exec(message.key ?? '') : null;
    if (transfer && !stored.duplicate) {
      const conversation = await deps.flows.getConversation(transfer[1]!);
      if (conversation) {
        const hint = `如需转派 #${conversation.code}，请先发送“切换 ${conversation.code}”，再发送“转派 <工号或姓名>”。`;
        await tell(userId, hint, `wecom:transfer-hint:${message.externalId}`);
      }
    }
  };
}

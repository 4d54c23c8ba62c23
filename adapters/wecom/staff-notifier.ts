import { createOutboxStaffNotifier, type FindMedia } from '../shared/staff-notifications.ts';
import type { Clock } from '../../src/ports.ts';
import type { StaffNotifier } from '../../src/channel-router.ts';
import {
  WECOM_OUTBOX,
  type AppPayload,
  type CardUpdatePayload,
  type Enqueue,
  type GroupPayload,
} from './outbox-kinds.ts';
import { renderNotification, type CitizenMedia, type WecomOutput } from './render-notification.ts';
import { isBangbanMediaRef } from './media-bridge.ts';
import type { StaffDirectory } from '../shared/staff-directory.ts';

/**
 * `notifyStaff` for WeCom: renders the notification (cards, texts, group posts) and puts each
 * piece in the outbox, so nothing is lost while WeCom is down. Staff without a WeCom userid are
 * skipped (the desk still has them).
 */
export function createWecomStaffNotifier(options: {
  directory: StaffDirectory;
  enqueue: Enqueue;
  clock: Clock;
  /** The media of a citizen message, when it can be forwarded (set once the flows exist). */
  findMedia?: FindMedia<CitizenMedia>;
}): StaffNotifier {
  return createOutboxStaffNotifier({
    platform: 'wecom',
    ...options,
    render: renderNotification,
    toOutbox,
  });
}

function toOutbox(output: WecomOutput, userId: string, idempotencyKey: string) {
  switch (output.kind) {
    case 'app_text': {
      const payload: AppPayload = { userId, message: { msgtype: 'text', text: { content: output.text } } };
      return { kind: WECOM_OUTBOX.app, payload, idempotencyKey };
    }
    case 'app_card': {
      const payload: AppPayload = {
        userId,
        conversationId: output.conversationId,
        message: { msgtype: 'template_card', template_card: output.card },
      };
      return { kind: WECOM_OUTBOX.app, payload, idempotencyKey };
    }
    case 'card_update': {
      const payload: CardUpdatePayload = {
        userId,
        conversationId: output.conversationId,
        replaceName: output.replaceName,
        ...(output.fallbackText ? { fallbackText: output.fallbackText } : {}),
      };
      return { kind: WECOM_OUTBOX.cardUpdate, payload, idempotencyKey };
    }
    case 'app_media': {
      const upload = isBangbanMediaRef(output.mediaId);
      const payload: AppPayload = {
        userId,
        message: {
          msgtype: output.mediaType,
          [output.mediaType]: { media_id: upload ? '' : output.mediaId },
        } as AppPayload['message'],
        ...(upload ? { upload: { ref: output.mediaId, mediaType: output.mediaType } } : {}),
      };
      return { kind: WECOM_OUTBOX.app, payload, idempotencyKey };
    }
    case 'group_text': {
      const payload: GroupPayload = {
        itemId: output.itemId,
        text: output.text,
        mention: output.mention ? [userId] : [],
      };
      return { kind: WECOM_OUTBOX.group, payload, idempotencyKey };
    }
  }
}

import { createOutboxStaffNotifier, type FindMedia } from '../shared/staff-notifications.ts';
import { createHash } from 'node:crypto';
import type { StaffNotifier } from '../../src/channel-router.ts';
import { formatShanghai } from '../../src/core/calendar/shanghai-time.ts';
import type { Clock } from '../../src/ports.ts';
import {
  DINGTALK_OUTBOX,
  type Enqueue,
  type GroupPayload,
  type StaffContent,
  type StaffPayload,
} from './outbox-kinds.ts';
import { renderNotification, type CitizenMedia, type DingtalkOutput } from './render-notification.ts';
import { userSessionKey } from './session-store.ts';
import type { StaffDirectory } from '../shared/staff-directory.ts';

/**
 * `notifyStaff` for DingTalk: renders the notification and puts each piece in the outbox. Staff
 * without a DingTalk userid are skipped (the desk and other channels still have them). Every 1:1
 * message carries the send time, so no two are identical: DingTalk work notifications silently drop
 * the same content to the same user within a day (protocols/dingtalk.md §7).
 */
export function createDingtalkStaffNotifier(options: {
  directory: StaffDirectory;
  enqueue: Enqueue;
  clock: Clock;
  findMedia?: FindMedia<CitizenMedia>;
}): StaffNotifier {
  return createOutboxStaffNotifier({
    platform: 'dingtalk',
    ...options,
    render: (notification, now, _key, media) => renderNotification(notification, now, media),
    toOutbox,
  });
}

/** msgUuid from the outbox key: a retry of the same job sends the same uuid. */
export const uuidFor = (idempotencyKey: string) =>
  `bb-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}`;

function toOutbox(output: DingtalkOutput, userId: string, idempotencyKey: string, now: Date) {
  const uuid = uuidFor(idempotencyKey);
  const stamp = formatShanghai(now).slice(11, 19);
  if (output.kind === 'group') {
    const payload: GroupPayload = {
      itemId: output.itemId,
      text: output.text,
      mention: output.mention ? [userId] : [],
      uuid,
    };
    return { kind: DINGTALK_OUTBOX.group, payload, idempotencyKey };
  }
  let content: StaffContent;
  switch (output.kind) {
    case 'text':
      content = { type: 'text', text: `${output.text}（${stamp}）` };
      break;
    case 'card':
      content = {
        type: 'card',
        title: output.title,
        markdown: `${output.markdown}\n\n> ${stamp}`,
        buttonTitle: output.buttonTitle,
        buttonUrl: output.buttonUrl,
      };
      break;
    case 'media':
      content = {
        type: 'media',
        mediaRef: output.mediaRef,
        mediaKind: output.mediaKind,
        ...(output.fileName ? { fileName: output.fileName } : {}),
      };
      break;
  }
  const payload: StaffPayload = { userId, sessionKey: userSessionKey(userId), content, uuid };
  return { kind: DINGTALK_OUTBOX.staff, payload, idempotencyKey };
}

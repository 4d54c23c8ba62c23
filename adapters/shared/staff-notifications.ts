/**
 * What every work-chat platform says to staff the same way: the wording of reminders, breaches,
 * relayed citizen messages and the like, the outbox key that makes a repeated notification (a
 * timer fired twice) collapse, and the notifier that puts them in the outbox. Each platform decides
 * only how the words travel (card, markdown …).
 */
import { randomUUID } from 'node:crypto';
import type { StaffNotifier } from '../../src/channel-router.ts';
import type { Clock, ConversationSummary, StaffNotification } from '../../src/ports.ts';
import type { StaffDirectory } from './staff-directory.ts';

/** `#K7Q2（医疗机构制剂注册）`: the handle staff type, with the item's name. */
export const conversationLabel = (c: ConversationSummary): string =>
  `#${c.code}${c.itemName ? `（${c.itemName}）` : ''}`;

type Of<T extends StaffNotification['type']> = Extract<StaffNotification, { type: T }>;

export const staffTexts = {
  claimed: (n: Of<'claimed'>) => `${conversationLabel(n.conversation)} 已由 ${n.byName} 接单。`,
  reminder: (n: Of<'reminder'>) =>
    `⏰ 提醒：${conversationLabel(n.conversation)} 还剩 ${n.secondsLeft} 秒，请尽快首次回复服务对象。`,
  breach: (n: Of<'breach'>) =>
    `⚠️ 超时：${conversationLabel(n.conversation)} 超过 1 分钟未首次回复，已升级处理。`,
  citizenMessage: (n: Of<'citizen_message'>) => `${conversationLabel(n.conversation)} 服务对象：${n.text}`,
  closed: (n: Of<'closed'>) => `会话 ${conversationLabel(n.conversation)} 已结束。`,
  consult: (n: Of<'consult'>) => {
    const what = n.kind === 'tech' ? '技术支持' : '会商';
    const body = n.text ? `：${n.text}` : '';
    return `【${what}】${n.fromName} 就 ${conversationLabel(n.conversation)} 请求支持${body}`;
  },
};

/**
 * Repeats of the same reminder, claim or close (a timer fired twice) collapse on this key in the
 * outbox; other notifications are events in their own right.
 */
export function notificationKey(platform: string, staffId: string, n: StaffNotification): string {
  const base = `${platform}:${staffId}:${n.type}`;
  switch (n.type) {
    case 'reminder':
      return `${base}:${n.conversation.id}:${n.level}:${n.conversation.slaDueAt?.toISOString() ?? ''}`;
    case 'claimed':
      return `${base}:${n.conversation.id}:${n.byStaffId}`;
    case 'closed':
      return `${base}:${n.conversation.id}`;
    default:
      return `${base}:${randomUUID()}`;
  }
}

/** Finds a citizen message's media (set once the flows exist); null for other notifications. */
export async function citizenMediaOf<M>(
  notification: StaffNotification,
  findMedia: FindMedia<M> | undefined,
): Promise<M | null> {
  if (notification.type !== 'citizen_message') return null;
  const find = findMedia?.();
  return find ? find(notification.conversation.id, notification.messageId) : null;
}

/** Looks up a citizen message's media; a function so it can be wired after the flows exist. */
export type FindMedia<M> = () => ((conversationId: string, messageId: number) => Promise<M | null>) | null;

/**
 * `notifyStaff` for a work-chat platform: the member's userid there (staff without one are skipped;
 * the desk still has them), the notification rendered into pieces, and each piece put in the outbox
 * under the notification's key, numbered, so nothing is lost while the platform is down.
 */
export function createOutboxStaffNotifier<M, Output, Job>(options: {
  platform: 'wecom' | 'dingtalk';
  directory: StaffDirectory;
  clock: Clock;
  findMedia?: FindMedia<M>;
  render(notification: StaffNotification, now: Date, key: string, media: M | null): Output[];
  toOutbox(output: Output, userId: string, idempotencyKey: string, now: Date): Job;
  enqueue(job: Job): Promise<unknown>;
}): StaffNotifier {
  return {
    async notifyStaff(staffId, notification) {
      const userId = options.directory.userIdOf(staffId);
      if (!userId) return;
      const key = notificationKey(options.platform, staffId, notification);
      const media = await citizenMediaOf(notification, options.findMedia);
      const now = options.clock.now();
      const outputs = options.render(notification, now, key, media);
      for (const [index, output] of outputs.entries()) {
        await options.enqueue(options.toOutbox(output, userId, `${key}:${index}`, now));
      }
    },
  };
}

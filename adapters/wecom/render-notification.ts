/**
 * What a StaffNotification looks like in WeCom (pure): a 接单 card for a new or assigned question,
 * a card rewrite after a claim, texts for everything else, and for reminders and breaches also a
 * post in the item's group with the person @mentioned. The caller puts each output in the outbox.
 */
import { conversationLabel, staffTexts } from '../shared/staff-notifications.ts';
import { createHash } from 'node:crypto';
import { formatShanghai } from '../../src/core/calendar/shanghai-time.ts';
import type { ConversationSummary, StaffNotification } from '../../src/ports.ts';
import type { ButtonInteractionCard, MediaType } from './api-types.ts';

export type WecomOutput =
  | { kind: 'app_text'; text: string }
  | { kind: 'app_card'; conversationId: string; card: ButtonInteractionCard }
  /** Rewrite this person's card(s) for the conversation; `fallbackText` when no card can be updated. */
  | { kind: 'card_update'; conversationId: string; replaceName: string; fallbackText?: string }
  | { kind: 'group_text'; itemId: string; text: string; mention: boolean }
  /**
   * The citizen's image/voice/video/file itself: a WeCom media_id (微信客服 media, same corp) sent
   * as is, or a bangban ref (`media:`, `webchat-upload:`) uploaded when the message is delivered.
   */
  | { kind: 'app_media'; mediaType: MediaType; mediaId: string };

/** A citizen message's media: a WeCom media_id, or a bangban media ref to upload first. */
export interface CitizenMedia {
  mediaType: MediaType;
  mediaId: string;
}

/** Card button keys: the flows claim on `claim:<id>`; `transfer:<id>` answers with how to transfer. */
export const claimKey = (conversationId: string) => `claim:${conversationId}`;
export const transferKey = (conversationId: string) => `transfer:${conversationId}`;

const label = conversationLabel;

export function renderNotification(
  notification: StaffNotification,
  now: Date,
  uniqueKey: string,
  media?: CitizenMedia | null,
): WecomOutput[] {
  switch (notification.type) {
    case 'new_conversation': {
      const c = notification.conversation;
      if (!notification.claimable)
        return [{ kind: 'app_text', text: `新咨询 ${label(c)} 已自动分配给值班帮办人员。` }];
      return [
        { kind: 'app_card', conversationId: c.id, card: questionCard(c, now, '新的帮办咨询', uniqueKey) },
      ];
    }
    case 'assigned': {
      const c = notification.conversation;
      if (notification.by === 'claim')
        return [{ kind: 'card_update', conversationId: c.id, replaceName: '已接单' }];
      const title =
        notification.by === 'transfer'
          ? '转派给您的咨询'
          : notification.by === 'escalation'
            ? '超时转派给您的咨询'
            : '分配给您的咨询';
      return [{ kind: 'app_card', conversationId: c.id, card: questionCard(c, now, title, uniqueKey) }];
    }
    case 'claimed': {
      const c = notification.conversation;
      return [
        {
          kind: 'card_update',
          conversationId: c.id,
          replaceName: `已由 ${notification.byName} 接单`,
          fallbackText: staffTexts.claimed(notification),
        },
      ];
    }
    case 'reminder': {
      const c = notification.conversation;
      const text = staffTexts.reminder(notification);
      return [{ kind: 'app_text', text }, ...groupPost(c, text)];
    }
    case 'breach': {
      const c = notification.conversation;
      const text = staffTexts.breach(notification);
      return [{ kind: 'app_text', text }, ...groupPost(c, text)];
    }
    case 'citizen_message':
      return [
        { kind: 'app_text', text: staffTexts.citizenMessage(notification) },
        ...(media ? [{ kind: 'app_media' as const, ...media }] : []),
      ];
    case 'closed':
      return [{ kind: 'app_text', text: staffTexts.closed(notification) }];
    case 'consult':
      return [{ kind: 'app_text', text: staffTexts.consult(notification) }];
    case 'info':
      return [{ kind: 'app_text', text: notification.text }];
  }
}

function groupPost(c: ConversationSummary, text: string): WecomOutput[] {
  return c.itemId ? [{ kind: 'group_text', itemId: c.itemId, text, mention: true }] : [];
}

/** The question card: item, question, waiting time and deadline, with 接单 and 转派. */
export function questionCard(
  c: ConversationSummary,
  now: Date,
  title: string,
  uniqueKey: string,
): ButtonInteractionCard {
  const since = c.handoffAt ?? c.createdAt;
  const waited = Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000));
  const rows = [
    { keyname: '事项', value: c.itemName ?? '未选择' },
    { keyname: '已等待', value: `${waited} 秒` },
    ...(c.slaDueAt ? [{ keyname: '回复期限', value: `${formatShanghai(c.slaDueAt).slice(11, 19)} 前` }] : []),
  ];
  return {
    card_type: 'button_interaction',
    source: { desc: '帮办' },
    main_title: { title: `${title} #${c.code}`, desc: c.itemName ?? '' },
    sub_title_text: c.preview ? `咨询：${c.preview}` : '（服务对象尚未留言）',
    horizontal_content_list: rows,
    task_id: taskIdFor(uniqueKey),
    button_list: [
      { text: '接单', style: 1, key: claimKey(c.id) },
      { text: '转派', style: 2, key: transferKey(c.id) },
    ],
  };
}

/** task_id: unique per app, ≤ 128 of [0-9A-Za-z_-@]; derived from the outbox key so a retry reuses it. */
export function taskIdFor(uniqueKey: string): string {
  return `bb_${createHash('sha256').update(uniqueKey).digest('hex').slice(0, 40)}`;
}

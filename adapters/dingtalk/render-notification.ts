/**
 * What a StaffNotification looks like in DingTalk (pure): a markdown actionCard with a 接单 button
 * for a new or assigned question, texts for everything else, and for reminders and breaches also a
 * post in the item's group with the person @-ed. The caller puts each output in the outbox.
 *
 * The 接单 button: DingTalk's robot actionCard buttons can only open a URL. Its message-link
 * scheme `dtmd://dingtalkclient/sendMessage?content=<urlencoded>` (开放平台 "消息链接说明") makes
 * the clicking client send that text into the chat it was clicked in. In the 1:1 chat with the app
 * robot this sends `接单 K7Q2`, which reaches /callbacks/dingtalk (or the stream) like a typed
 * command: signed, deduped and run by the same staff-command parser. No card callback is needed.
 */
import { conversationLabel, staffTexts } from '../shared/staff-notifications.ts';
import { formatShanghai } from '../../src/core/calendar/shanghai-time.ts';
import type { ConversationSummary, StaffNotification } from '../../src/ports.ts';

export type DingtalkOutput =
  /** Markdown body and one button (the app robot's sampleActionCard). */
  | { kind: 'card'; title: string; markdown: string; buttonTitle: string; buttonUrl: string }
  | { kind: 'text'; text: string }
  | { kind: 'group'; itemId: string; text: string; mention: boolean }
  /** A citizen's image/voice/video/file from the shared MediaStore (`media:<id>`). */
  | { kind: 'media'; mediaRef: string; mediaKind: 'image' | 'voice' | 'video' | 'file'; fileName?: string };

/** A citizen message's media, when it is in the shared store. */
export interface CitizenMedia {
  mediaRef: string;
  mediaKind: 'image' | 'voice' | 'video' | 'file';
  fileName?: string;
}

/** The text a click on 接单 makes the helper's client send (parsed by src/core/staff-command.ts). */
export const claimCommandText = (code: string) => `接单 ${code}`;

/** DingTalk's message link that sends `content` into the current chat. */
export function sendMessageLink(content: string): string {
  return `dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent(content)}`;
}

const label = conversationLabel;

/** HH:mm:ss in Shanghai. */
const clockTime = (at: Date) => formatShanghai(at).slice(11, 19);

export function renderNotification(
  notification: StaffNotification,
  now: Date,
  media?: CitizenMedia | null,
): DingtalkOutput[] {
  switch (notification.type) {
    case 'new_conversation': {
      const c = notification.conversation;
      if (!notification.claimable)
        return [{ kind: 'text', text: `新咨询 ${label(c)} 已自动分配给值班帮办人员。` }];
      return [questionCard(c, now, '新的帮办咨询')];
    }
    case 'assigned': {
      const c = notification.conversation;
      // A claim is answered by the flows' own "已接单 #…" line.
      if (notification.by === 'claim') return [];
      const title =
        notification.by === 'transfer'
          ? '转派给您的咨询'
          : notification.by === 'escalation'
            ? '超时转派给您的咨询'
            : '分配给您的咨询';
      return [questionCard(c, now, title)];
    }
    case 'claimed':
      return [{ kind: 'text', text: staffTexts.claimed(notification) }];
    case 'reminder': {
      const c = notification.conversation;
      const text = staffTexts.reminder(notification);
      return [{ kind: 'text', text }, ...groupPost(c, text)];
    }
    case 'breach': {
      const c = notification.conversation;
      const text = staffTexts.breach(notification);
      return [{ kind: 'text', text }, ...groupPost(c, text)];
    }
    case 'citizen_message':
      return [
        { kind: 'text', text: staffTexts.citizenMessage(notification) },
        ...(media ? [{ kind: 'media' as const, ...media }] : []),
      ];
    case 'closed':
      return [{ kind: 'text', text: staffTexts.closed(notification) }];
    case 'consult':
      return [{ kind: 'text', text: staffTexts.consult(notification) }];
    case 'info':
      return [{ kind: 'text', text: notification.text }];
  }
}

function groupPost(c: ConversationSummary, text: string): DingtalkOutput[] {
  return c.itemId ? [{ kind: 'group', itemId: c.itemId, text, mention: true }] : [];
}

/** Markdown-safe: DingTalk markdown has no escaping, so drop what would start markup. */
function plain(text: string): string {
  return text
    .replace(/[#*_`>[\]]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The question card: item, question, waiting time and deadline, with the 接单 button. */
export function questionCard(c: ConversationSummary, now: Date, title: string): DingtalkOutput {
  const since = c.handoffAt ?? c.createdAt;
  const waited = Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000));
  const lines = [
    `### ${title} #${c.code}`,
    `- 事项：${c.itemName ?? '未选择'}`,
    `- 咨询：${c.preview ? plain(c.preview) : '（服务对象尚未留言）'}`,
    `- 已等待：${waited} 秒`,
    ...(c.slaDueAt ? [`- 回复期限：${clockTime(c.slaDueAt)} 前`] : []),
    '',
    `点“接单”或发送“${claimCommandText(c.code)}”接单；接单后直接输入内容即可回复服务对象。`,
  ];
  return {
    kind: 'card',
    title: `${title} #${c.code}`,
    markdown: lines.join('\n'),
    buttonTitle: '接单',
    buttonUrl: sendMessageLink(claimCommandText(c.code)),
  };
}

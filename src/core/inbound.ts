/**
 * The one message shape every channel adapter produces (STYLE.md habit 1). The core never sees
 * XML, headers or platform field names.
 */

/** Where a message came from. */
export type Channel = 'webchat' | 'wecom' | 'wecom_kf' | 'wechat_oa' | 'dingtalk' | 'desk';

export const CHANNELS: readonly Channel[] = ['webchat', 'wecom', 'wecom_kf', 'wechat_oa', 'dingtalk', 'desk'];

/** Who wrote it: a citizen (服务对象) or a staff member (帮办人员) in work chat. */
export type SenderRole = 'citizen' | 'staff';

interface InboundBase {
  channel: Channel;
  /** The platform's message id (kept as a string: WeChat MsgId exceeds 2^53). Unique per channel. */
  externalId: string;
  /** The sender's id on that channel (openid, userid, webchat session id …). */
  channelUserId: string;
  senderRole: SenderRole;
  /** When the platform says it was sent, if it says. */
  sentAt?: Date;
  /** A channel-side conversation handle (DingTalk conversationId, WeCom kf open_kfid …), if any. */
  channelThreadId?: string;
}

export interface TextMessage extends InboundBase {
  kind: 'text';
  text: string;
}

export interface MediaMessage extends InboundBase {
  kind: 'image' | 'voice' | 'video' | 'file';
  /** The platform's media handle, or a URL for web uploads. */
  mediaRef: string;
  fileName?: string;
  /** Speech recognised by the platform for voice messages. */
  recognition?: string;
}

export interface LocationMessage extends InboundBase {
  kind: 'location';
  latitude: number;
  longitude: number;
  label?: string;
}

export interface LinkMessage extends InboundBase {
  kind: 'link';
  title: string;
  url: string;
  description?: string;
}

export interface EventMessage extends InboundBase {
  kind: 'event';
  event: 'subscribe' | 'unsubscribe' | 'menu_click' | 'enter_session' | 'card_action' | 'other';
  /** Menu key, card button key, or the platform's raw event name for 'other'. */
  key?: string;
}

export type InboundMessage = TextMessage | MediaMessage | LocationMessage | LinkMessage | EventMessage;

/** The text a human would read from a message, used for KB questions and transcripts. */
export function messageText(message: InboundMessage): string {
  switch (message.kind) {
    case 'text':
      return message.text;
    case 'voice':
      return message.recognition ?? '';
    case 'link':
      return `${message.title} ${message.url}`;
    case 'location':
      return message.label ?? '';
    default:
      return '';
  }
}

/**
 * OutboundMessage → what WeChat takes: passive-reply XML/JSON (protocols §6.4) and
 * message/custom/send bodies (§6.6). The account has no buttons in a chat, so `choices` become
 * numbered lines (their labels already start with the number the flows accept as an answer).
 */
import type { OutboundMessage } from '../../src/ports.ts';
import { buildXml } from '../wecom/xml.ts';
import type { CustomMessage } from './api-client.ts';
import type { OaFormat } from './verify-callback.ts';
import type { PendingReply } from './passive-replies.ts';

/** WeChat's text limit for passive and custom text messages (2048 bytes). */
export const MAX_TEXT_BYTES = 2048;

export function textWithChoices(message: Extract<OutboundMessage, { kind: 'text' }>): string {
  const lines = (message.choices ?? []).map((choice) => choice.label);
  return lines.length > 0 ? `${message.text}\n${lines.join('\n')}` : message.text;
}

/**
 * The leading text messages merged into one passive reply (WeChat takes one message per request),
 * as long as they fit; the rest goes through the custom-message API, in order.
 */
export function splitForPassiveReply(
  replies: readonly PendingReply[],
  extra?: string,
): { text: string | null; rest: PendingReply[] } {
  const parts: string[] = [];
  let bytes = 0;
  let taken = 0;
  for (const reply of replies) {
    if (reply.message.kind !== 'text') break;
    const text = textWithChoices(reply.message);
    const size = Buffer.byteLength(text, 'utf8') + (parts.length > 0 ? 2 : 0);
    if (bytes + size > MAX_TEXT_BYTES && parts.length > 0) break;
    parts.push(text);
    bytes += size;
    taken += 1;
  }
  if (extra && bytes + Buffer.byteLength(extra, 'utf8') + 2 <= MAX_TEXT_BYTES) parts.push(extra);
  return { text: parts.length > 0 ? parts.join('\n\n') : null, rest: replies.slice(taken) };
}

/** The plaintext passive text reply in the account's format. */
export function passiveTextReply(input: {
  openId: string;
  accountId: string;
  text: string;
  createTime: number;
  format: OaFormat;
}): string {
  const fields = {
    ToUserName: input.openId,
    FromUserName: input.accountId,
    CreateTime: input.createTime,
    MsgType: 'text',
    Content: input.text,
  };
  return input.format === 'json' ? JSON.stringify(fields) : buildXml(fields);
}

/** A custom message for OutboundMessage `message`; media kinds need the media_id uploaded first. */
export function customText(openId: string, text: string): CustomMessage {
  return { touser: openId, msgtype: 'text', text: { content: text } };
}

export function customMedia(
  openId: string,
  kind: 'image' | 'voice' | 'video',
  mediaId: string,
  title?: string,
): CustomMessage {
  switch (kind) {
    case 'image':
      return { touser: openId, msgtype: 'image', image: { media_id: mediaId } };
    case 'voice':
      return { touser: openId, msgtype: 'voice', voice: { media_id: mediaId } };
    case 'video':
      return { touser: openId, msgtype: 'video', video: { media_id: mediaId, ...(title ? { title } : {}) } };
  }
}

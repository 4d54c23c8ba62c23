/** Outbox kinds of the WeChat Official Account channel and their payloads (stored as JSON: no secrets). */
import type { InboundMessage } from '../../src/core/inbound.ts';
import type { EnqueueInput } from '../../src/jobs/outbox-store.ts';
import type { OutboundMessage } from '../../src/ports.ts';
import type { PendingMedia } from './parse-message.ts';

export const WECHAT_OA_OUTBOX = {
  /** message/custom/send (media uploaded first). */
  customSend: 'wechat_oa.custom_send',
  /** media/get of a citizen's image/voice/video, stored, then handed to the flows. */
  mediaFetch: 'wechat_oa.media_fetch',
} as const;

export interface CustomSendPayload {
  openId: string;
  conversationId: string;
  message: OutboundMessage;
}

export interface MediaFetchPayload {
  /** The citizen's message; `mediaRef` is set once the bytes are stored. Dates as ISO strings. */
  message: Record<string, unknown>;
  media: PendingMedia;
}

export type Enqueue = (input: EnqueueInput) => Promise<{ enqueued: boolean }>;

export function toMediaFetchPayload(message: InboundMessage, media: PendingMedia): MediaFetchPayload {
  return {
    message: { ...message, ...(message.sentAt ? { sentAt: message.sentAt.toISOString() } : {}) },
    media,
  };
}

export function fromMediaFetchPayload(payload: MediaFetchPayload): InboundMessage {
  const message = { ...payload.message } as unknown as InboundMessage;
  if (typeof payload.message['sentAt'] === 'string') message.sentAt = new Date(payload.message['sentAt']);
  return message;
}

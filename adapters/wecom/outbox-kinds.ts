/** Outbox kinds the WeCom channel enqueues and delivers, and their payloads (stored as JSON: no secrets). */
import type { InboundMessage } from '../../src/core/inbound.ts';
import type { EnqueueInput } from '../../src/jobs/outbox-store.ts';
import type { AppMessage, KfMessage, MediaType } from './api-types.ts';

export const WECOM_OUTBOX = {
  app: 'wecom.app',
  cardUpdate: 'wecom.card_update',
  group: 'wecom.group',
  kfSync: 'wecom.kf_sync',
  kfSend: 'wecom.kf_send',
  /** A 微信客服 citizen's media message (or one queued behind it): media/get → MediaStore → flows. */
  kfReceive: 'wecom.kf_receive',
  staffMedia: 'wecom.staff_media',
} as const;

/**
 * Media to upload right before the send (a bangban `media:` or `webchat-upload:` ref): the
 * deliverer uploads it and puts the fresh media_id into the message, whose own media_id is ignored.
 */
export interface UploadFirst {
  ref: string;
  mediaType: MediaType;
}

/** Content of an app message without its recipient. */
export type AppContent = AppMessage extends infer M ? (M extends unknown ? Omit<M, 'touser'> : never) : never;

export interface AppPayload {
  userId: string;
  message: AppContent;
  /** Set for 接单 cards: remembered with the response code for a later rewrite. */
  conversationId?: string;
  upload?: UploadFirst;
}

export interface CardUpdatePayload {
  userId: string;
  conversationId: string;
  replaceName: string;
  fallbackText?: string;
}

/** The item's group: robot webhook and/or app chat, resolved from the environment when delivered. */
export interface GroupPayload {
  itemId: string;
  text: string;
  mention: string[];
}

export interface KfSyncPayload {
  openKfId: string;
  token: string;
}

export interface KfSendPayload {
  message: KfMessage;
  conversationId: string;
  /** Send with kf/send_msg_on_event and this welcome_code instead (before the citizen wrote). */
  welcomeCode?: string;
  upload?: UploadFirst;
}

/** A staff member's media message in the app: downloaded (media/get) into the MediaStore, then received. */
export interface StaffMediaPayload {
  msgId: string;
  userId: string;
  kind: MediaType;
  mediaId: string;
  fileName?: string;
  recognition?: string;
  /** ISO time of the callback's CreateTime. */
  sentAt?: string;
}

/**
 * One 微信客服 citizen message handed to the flows from the outbox: a media message whose bytes are
 * downloaded first, or a later message of the same citizen that waits its turn behind one.
 */
export interface KfReceivePayload {
  /** The citizen's message; `mediaRef` is set once the bytes are stored. Dates as ISO strings. */
  message: Record<string, unknown>;
  /** The 微信客服 media to download (media/get with the 微信客服 token), for media messages. */
  media?: { mediaId: string; kind: MediaType };
}

/** Per citizen, so the deliverer can find the citizen's earlier messages still in the outbox. */
export const KF_RECEIVE_KEY_PREFIX = 'wecom:kf-in:';
export const kfReceiveKeyPrefix = (externalUserId: string) => `${KF_RECEIVE_KEY_PREFIX}${externalUserId}:`;
export const kfReceiveKey = (externalUserId: string, msgId: string) =>
  `${kfReceiveKeyPrefix(externalUserId)}${msgId}`;

export function toKfReceivePayload(
  message: InboundMessage,
  media?: KfReceivePayload['media'],
): KfReceivePayload {
  return {
    message: { ...message, ...(message.sentAt ? { sentAt: message.sentAt.toISOString() } : {}) },
    ...(media ? { media } : {}),
  };
}

export function fromKfReceivePayload(payload: KfReceivePayload): InboundMessage {
  const message = { ...payload.message } as unknown as InboundMessage;
  if (typeof payload.message['sentAt'] === 'string') message.sentAt = new Date(payload.message['sentAt']);
  return message;
}

export type Enqueue = (input: EnqueueInput) => Promise<{ enqueued: boolean }>;

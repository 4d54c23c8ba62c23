/** Outbox kinds the WeCom channel enqueues and delivers, and their payloads (stored as JSON: no secrets). */
import type { EnqueueInput } from '../../src/jobs/outbox-store.ts';
import type { AppMessage, KfMessage, MediaType } from './api-types.ts';

export const WECOM_OUTBOX = {
  app: 'wecom.app',
  cardUpdate: 'wecom.card_update',
  group: 'wecom.group',
  kfSync: 'wecom.kf_sync',
  kfSend: 'wecom.kf_send',
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

export type Enqueue = (input: EnqueueInput) => Promise<{ enqueued: boolean }>;

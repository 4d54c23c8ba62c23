/** Outbox kinds the WeCom channel enqueues and delivers, and their payloads (stored as JSON: no secrets). */
import type { EnqueueInput } from '../../src/jobs/outbox-store.ts';
import type { AppMessage, KfMessage } from './api-types.ts';

export const WECOM_OUTBOX = {
  app: 'wecom.app',
  cardUpdate: 'wecom.card_update',
  group: 'wecom.group',
  kfSync: 'wecom.kf_sync',
  kfSend: 'wecom.kf_send',
} as const;

/** Content of an app message without its recipient. */
export type AppContent = AppMessage extends infer M ? (M extends unknown ? Omit<M, 'touser'> : never) : never;

export interface AppPayload {
  userId: string;
  message: AppContent;
  /** Set for 接单 cards: remembered with the response code for a later rewrite. */
  conversationId?: string;
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
}

export type Enqueue = (input: EnqueueInput) => Promise<{ enqueued: boolean }>;

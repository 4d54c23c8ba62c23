/** Outbox kinds the DingTalk channel enqueues and delivers, and their payloads (stored as JSON: no secrets). */
import type { EnqueueInput } from '../../src/jobs/outbox-store.ts';

export const DINGTALK_OUTBOX = {
  /** A 1:1 message to a staff member: their session webhook while valid, else the app robot. */
  staff: 'dingtalk.staff',
  /** A post in an item's group: custom robot (加签, @), else session webhook / app robot. */
  group: 'dingtalk.group',
} as const;

export type StaffContent =
  | { type: 'text'; text: string }
  | { type: 'card'; title: string; markdown: string; buttonTitle: string; buttonUrl: string }
  | { type: 'media'; mediaRef: string; mediaKind: 'image' | 'voice' | 'video' | 'file'; fileName?: string };

export interface StaffPayload {
  /** The DingTalk userid (absent for a sender DingTalk gave no userid: session webhook only). */
  userId?: string;
  /** Which stored session webhook answers first: `user:<userid>` or `sender:<senderId>`. */
  sessionKey: string;
  content: StaffContent;
  /** msgUuid: the same on every retry of this message. */
  uuid: string;
}

export interface GroupPayload {
  itemId: string;
  text: string;
  /** DingTalk userids to @. */
  mention: string[];
  uuid: string;
}

export type Enqueue = (input: EnqueueInput) => Promise<{ enqueued: boolean }>;

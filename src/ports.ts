import type { Channel } from './core/inbound.ts';
import type { ConversationState } from './core/conversation-state.ts';

/**
 * Interfaces the core and the flows need from the outside world. Implementations live in
 * src/storage, src/jobs, adapters/ and src/clock.ts; tests pass fakes.
 */

/** Wall-clock time, injected so a 60-second SLA can be a millisecond test. */
export interface Clock {
  now(): Date;
}

/*
 * ---- The helper flow's ports (issue 4). The core and src/flows talk to citizens and staff only
 * through these; adapters (webchat, desk, WeCom, DingTalk, WeChat OA) implement them.
 */

/** What bangban sends to a citizen. `choices` render as buttons/menus where the channel can. */
export type OutboundMessage =
  | { kind: 'text'; text: string; choices?: { key: string; label: string }[] }
  | { kind: 'image' | 'file' | 'voice' | 'video'; mediaRef: string; fileName?: string };

/** Where a citizen is reached: their channel and id on it, and the conversation it belongs to. */
export interface CitizenAddress {
  channel: Channel;
  citizenUserId: string;
  conversationId: string;
}

/** A conversation as staff see it in notifications, /list and the desk queue. */
export interface ConversationSummary {
  id: string;
  /** Short handle staff type: `#K7Q2`. */
  code: string;
  channel: Channel;
  itemId: string | null;
  itemName: string | null;
  state: ConversationState;
  assigneeId: string | null;
  /** The assignee's display name (staff ids are for machines). */
  assigneeName: string | null;
  createdAt: Date;
  handoffAt: Date | null;
  /** When the first-response SLA breaches (null when not running or already answered). */
  slaDueAt: Date | null;
  firstHumanResponseAt: Date | null;
  /** The latest citizen text, shortened, for previews. */
  preview: string;
}

/** Something staff must be told. Each work-chat adapter decides how it looks (card, markdown …). */
export type StaffNotification =
  | { type: 'new_conversation'; conversation: ConversationSummary; claimable: boolean }
  | { type: 'assigned'; conversation: ConversationSummary; by: 'rota' | 'claim' | 'transfer' | 'escalation' }
  | { type: 'reminder'; level: 1 | 2; conversation: ConversationSummary; secondsLeft: number }
  | { type: 'breach'; conversation: ConversationSummary; previousAssigneeId: string | null }
  | { type: 'citizen_message'; conversation: ConversationSummary; text: string; messageId: number }
  | { type: 'claimed'; conversation: ConversationSummary; byStaffId: string; byName: string }
  | { type: 'closed'; conversation: ConversationSummary }
  /** /consult (back-office expert, 后台支撑) or /tech (技术人员): a helper asks for support on a conversation. */
  | {
      type: 'consult';
      kind: 'expert' | 'tech';
      conversation: ConversationSummary;
      fromStaffId: string;
      fromName: string;
      text: string;
    }
  /** Answers to staff commands (/list output, usage errors …). */
  | { type: 'info'; text: string; conversationId?: string };

/** The one door to the outside for the flows (ARCHITECTURE.md §4). */
export interface ChannelGateway {
  sendToCitizen(to: CitizenAddress, message: OutboundMessage): Promise<void>;
  notifyStaff(staffId: string, notification: StaffNotification): Promise<void>;
}

/** Why a question goes into the KB gap backlog (R-kb-gap: answered within 5 working days). */
export type KbGapReason = 'low_confidence' | 'ambiguous' | 'out_of_scope' | 'not_solved';

/** Where the flow reports questions the bot could not answer, for KB maintainers. */
export interface KbGapRecorder {
  recordGap(input: {
    question: string;
    item: string | null;
    conversationId: string;
    reason: KbGapReason;
  }): Promise<void>;
}

/** Bytes of an image, voice clip, video or file, with what they are. */
export interface StoredMedia {
  bytes: Buffer;
  /** MIME type, e.g. image/jpeg, audio/amr. */
  contentType: string;
  fileName?: string;
}

/**
 * Media crossing channels (a citizen's WeChat photo to a helper in DingTalk, a helper's WeCom image
 * to the web widget): the receiving adapter downloads it and stores it here, getting a `media:<id>`
 * ref that travels as `mediaRef`; the sending adapter reads the bytes back to upload them.
 */
export interface MediaStore {
  put(media: StoredMedia): Promise<string>;
  /** null for an unknown or malformed ref. */
  get(ref: string): Promise<StoredMedia | null>;
}

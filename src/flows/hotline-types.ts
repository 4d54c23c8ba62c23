/**
 * 12345 工单 as the flows see them: the ticket bangban builds from a conversation, its storage port
 * (src/storage/repositories/hotline-repository.ts implements it) and the surface the 12345
 * gateway (adapters/hotline-12345) calls.
 */
import type { Channel } from '../core/inbound.ts';

export const HOTLINE_TICKET_STATUSES = [
  'pending',
  'sent',
  'accepted',
  'in_progress',
  'closed',
  'returned',
  'failed',
] as const;
/** pending → sent → accepted (签收) → in_progress → closed (办结) | returned (退单) | failed (dead letter). */
export type HotlineTicketStatus = (typeof HOTLINE_TICKET_STATUSES)[number];
/** The statuses 12345 reports by callback. */
export type CallbackStatus = 'accepted' | 'in_progress' | 'closed' | 'returned';

/**
 * 诉求人. The web widget and the chat channels do not give a name or phone number, so both are
 * optional; `realName` is true only when the requester identified themselves (never assumed).
 */
export interface TicketRequester {
  channel: Channel;
  channelUserId: string;
  name?: string;
  phone?: string;
  realName: boolean;
  enterpriseName?: string;
  /** 统一社会信用代码. */
  uscc?: string;
}

export interface TicketAttachment {
  kind: string;
  /** `media:<id>` in bangban's media store; the transcript link shows it. */
  ref: string;
  at: string;
}

/** The ticket as bangban sends it (canonical names; the gateway maps them to the local interface). */
export interface HotlineTicketDocument {
  agencyTicketNo: string;
  sourceChannel: string;
  createdAt: string;
  requester: TicketRequester;
  appealType: string;
  itemId: string | null;
  itemName: string | null;
  department: string | null;
  title: string;
  /** Summary, the helper's reason and the last transcript lines. */
  content: string;
  transcriptUrl: string | null;
  attachments: TicketAttachment[];
  reason: string;
  urgency: string;
  helperName: string | null;
}

export interface HotlineTicketRow {
  ticketNo: string;
  conversationId: string;
  sequence: number;
  hotlineNo: string | null;
  status: HotlineTicketStatus;
  itemId: string | null;
  staffId: string | null;
  reason: string;
  appealType: string;
  urgency: string;
  title: string;
  document: HotlineTicketDocument;
  returnReason: string | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
  acceptedAt: Date | null;
  closedAt: Date | null;
  citizenToldAt: Date | null;
}

export type HotlineTicketPatch = Partial<
  Pick<
    HotlineTicketRow,
    | 'hotlineNo'
    | 'status'
    | 'returnReason'
    | 'lastError'
    | 'sentAt'
    | 'acceptedAt'
    | 'closedAt'
    | 'citizenToldAt'
  >
>;

export interface HotlineTicketEvent {
  ticketNo: string;
  type: string;
  fromStatus: HotlineTicketStatus | null;
  toStatus: HotlineTicketStatus | null;
  data: Record<string, unknown>;
  /** Unique when set: a callback's event id, so a repeated callback is recognised. */
  dedupeKey: string | null;
  at: Date;
}

export interface HotlineTicketEventRow extends HotlineTicketEvent {
  id: number;
}

/** One row of the dispatch rate (ARCHITECTURE.md §7): per item, or `itemId: null` for all. */
export interface DispatchRateRow {
  itemId: string | null;
  humanHelped: number;
  pushed: number;
}

export interface HotlineRepository {
  insert(ticket: Omit<HotlineTicketRow, 'updatedAt'>): Promise<void>;
  /** Row-locked until the transaction ends. */
  lock(ticketNo: string): Promise<HotlineTicketRow | null>;
  get(ticketNo: string): Promise<HotlineTicketRow | null>;
  /** How many tickets the conversation already has (the next push is count + 1). */
  countForConversation(conversationId: string): Promise<number>;
  latestForConversation(conversationId: string): Promise<HotlineTicketRow | null>;
  update(ticketNo: string, patch: HotlineTicketPatch, at: Date): Promise<void>;
  /** false when an event with the same dedupeKey exists (nothing written). */
  appendEvent(event: HotlineTicketEvent): Promise<boolean>;
  hasDedupeKey(dedupeKey: string): Promise<boolean>;
  events(ticketNo: string): Promise<HotlineTicketEventRow[]>;
  /**
   * Conversations handed to a human (handoff_at in [from, to)) and how many of them were pushed
   * to 12345, per item plus one row for all items (itemId null).
   */
  dispatchRate(range: { from: Date; to: Date }): Promise<DispatchRateRow[]>;
  /** Pending tickets whose latest event is `parked` (sent while the gateway was off). */
  parked(limit: number): Promise<{ ticketNo: string; conversationId: string; parkEventId: number }[]>;
  /** Conversations queued since before `handoffBefore`, oldest first (auto-push candidates). */
  queuedSince(handoffBefore: Date, limit: number): Promise<{ id: string; itemId: string | null }[]>;
}

/** A status callback after verification and field mapping. */
export interface StatusUpdate {
  agencyTicketNo: string;
  status: CallbackStatus;
  hotlineNo?: string;
  reason?: string;
  handlerOrg?: string;
  reply?: string;
  occurredAt?: string;
  /** The callback's event id, or a hash of its body. */
  dedupeKey: string;
}

export type StatusUpdateResult =
  | { ok: true; result: 'applied'; from: HotlineTicketStatus; to: HotlineTicketStatus }
  | { ok: true; result: 'duplicate' }
  | { ok: true; result: 'ignored'; reason: 'out_of_order'; current: HotlineTicketStatus }
  | { ok: false; reason: 'unknown_ticket' };

/** What the gateway needs to send a ticket, or why there is nothing to send. */
export type DeliveryTicket =
  | { send: true; ticket: HotlineTicketRow }
  | { send: false; reason: 'unknown_ticket' | 'already_sent'; ticket?: HotlineTicketRow };

export interface DispatchRateItem {
  itemId: string | null;
  itemName: string | null;
  humanHelped: number;
  pushed: number;
  /** null when nothing was handed to a human. */
  rate: number | null;
  aboveTarget: boolean;
}

export interface DispatchRateReport {
  from: Date;
  to: Date;
  /** R-12345 (sla.targets.max12345Rate, 10 % by default). */
  target: number;
  total: DispatchRateItem;
  items: DispatchRateItem[];
  /** One line per rate above the target (also logged). */
  warnings: string[];
}

/** The 12345 gateway's door into the flows (Flows.hotline). */
export interface HotlineFlows {
  /** The ticket an outbox row asks to send (rows of an older version carry only the conversation). */
  ticketForDelivery(payload: { ticketNo?: string; conversationId?: string }): Promise<DeliveryTicket>;
  /** 12345 took the ticket; tells the citizen the number if 12345 gave one. */
  recordSent(ticketNo: string, result: { hotlineNo: string | null; attempt: number }): Promise<void>;
  /** One delivery attempt failed and will be retried (an event for the audit trail). */
  recordAttemptFailed(
    ticketNo: string,
    failure: { attempt: number; error: string; retryAt?: Date },
  ): Promise<void>;
  /** Given up (dead letter): ticket `failed`, the helper and the item's supervisors alerted. */
  recordFailed(ticketNo: string, failure: { attempts: number; error: string }): Promise<void>;
  /** The gateway is switched off: the ticket stays pending; the helper is told it is queued. */
  park(ticketNo: string): Promise<void>;
  /** A verified status callback. */
  applyStatus(update: StatusUpdate): Promise<StatusUpdateResult>;
  /** Logs a warning per rate above the target unless `log` is false (metrics scrapes). */
  dispatchRate(range: { from: Date; to: Date }, options?: { log?: boolean }): Promise<DispatchRateReport>;
  /** Arms the auto-push check (a durable timer) when config enables it; idempotent. */
  armAutoPush(): Promise<void>;
}

/**
 * The storage the helper flow needs, as ports (ARCHITECTURE.md §3: flows depend on core and ports
 * only). src/storage/repositories implements them over PostgreSQL (`createFlowStore(database)`).
 * Every method of a transaction's repositories runs in that transaction.
 */
import type { ConversationState } from '../core/conversation-state.ts';
import type { Channel } from '../core/inbound.ts';
import type { HotlineRepository } from './hotline-types.ts';

/** 帮办会话 as stored. */
export interface ConversationRow {
  id: string;
  code: string;
  channel: Channel;
  citizenUserId: string;
  itemId: string | null;
  state: ConversationState;
  assigneeId: string | null;
  createdAt: Date;
  updatedAt: Date;
  handoffAt: Date | null;
  assignedAt: Date | null;
  firstHumanResponseAt: Date | null;
  closedAt: Date | null;
}

export type ConversationPatch = Partial<
  Pick<
    ConversationRow,
    'itemId' | 'state' | 'assigneeId' | 'handoffAt' | 'assignedAt' | 'firstHumanResponseAt' | 'closedAt'
  >
>;

export interface NewConversation {
  id: string;
  code: string;
  channel: Channel;
  citizenUserId: string;
  itemId: string | null;
  at: Date;
}

export interface ConversationRepository {
  /** Inserts; null when the code is taken or the citizen already has an open conversation. */
  create(input: NewConversation): Promise<ConversationRow | null>;
  /** The citizen's open conversation on that channel, row-locked until the transaction ends. */
  lockOpenForCitizen(channel: Channel, citizenUserId: string): Promise<ConversationRow | null>;
  /** Row-locked (SELECT … FOR UPDATE): every change to a conversation goes through this. */
  lock(id: string): Promise<ConversationRow | null>;
  get(id: string): Promise<ConversationRow | null>;
  findByCode(code: string): Promise<ConversationRow | null>;
  update(id: string, patch: ConversationPatch, at: Date): Promise<void>;
  /** Oldest first (by handoff, then creation). */
  list(filter: {
    states: readonly ConversationState[];
    assigneeId?: string;
    itemIds?: readonly string[];
  }): Promise<ConversationRow[]>;
  /** The longest-waiting queued conversation of an item that no one else holds a lock on, locked. */
  lockOldestQueued(itemId: string): Promise<ConversationRow | null>;
  /** Open (assigned or active) conversations each staff member owns; absent = 0. */
  openCounts(staffIds: readonly string[]): Promise<Map<string, number>>;
}

export interface InboxRepository {
  insert(entry: {
    channel: Channel;
    externalId: string;
    payload: unknown;
    at: Date;
  }): Promise<{ id: number; duplicate: boolean }>;
  /** Locks the row if it is still unprocessed; null when processed (or unknown). */
  lockUnprocessed(id: number): Promise<{ id: number; payload: unknown } | null>;
  markProcessed(id: number, at: Date): Promise<void>;
  /**
   * lockUnprocessed + markProcessed in one statement: marks the row processed and returns it, or
   * null if it already was. Inside a transaction the mark commits with the processing or not at
   * all, and a racing processor waits on the row and then finds it done.
   */
  takeUnprocessed(id: number, at: Date): Promise<{ id: number; payload: unknown } | null>;
  recordError(id: number, message: string): Promise<void>;
  /** Rows never processed (crash recovery), oldest first. */
  unprocessedIds(limit: number): Promise<number[]>;
}

export type SenderKind = 'citizen' | 'bot' | 'staff' | 'system';
export type MessageKind = 'text' | 'image' | 'voice' | 'video' | 'file' | 'location' | 'link' | 'event';

export interface MessageRow {
  id: number;
  conversationId: string;
  direction: 'in' | 'out';
  senderKind: SenderKind;
  staffId: string | null;
  kind: MessageKind;
  body: string;
  mediaRef: string | null;
  externalId: string | null;
  createdAt: Date;
}

export interface MessageRepository {
  insert(message: Omit<MessageRow, 'id'>): Promise<number>;
  list(conversationId: string, options: { afterId?: number; limit: number }): Promise<MessageRow[]>;
  /** The latest citizen text of each conversation (for previews). */
  latestCitizenTexts(conversationIds: readonly string[]): Promise<Map<string, string>>;
}

export interface EventRow {
  id: number;
  conversationId: string;
  type: string;
  actorKind: SenderKind;
  actorId: string | null;
  data: Record<string, unknown>;
  at: Date;
}

export interface EventRepository {
  append(event: Omit<EventRow, 'id'>): Promise<void>;
  /** Whether an event of `type` whose data.key equals `key` exists (idempotent timer handlers). */
  hasKeyed(conversationId: string, type: string, key: string): Promise<boolean>;
  /** Whether any event of `type` exists for the conversation. */
  hasType(conversationId: string, type: string): Promise<boolean>;
  list(conversationId: string): Promise<EventRow[]>;
}

export type AwaitingKind = 'item_choice' | 'bot_feedback';

export interface FlowStateRow {
  conversationId: string;
  awaiting: AwaitingKind | null;
  botEntryId: string | null;
  slaCycle: number;
  slaClockStart: Date | null;
  slaDueAt: Date | null;
  reassignments: number;
}

export interface FlowStateRepository {
  /** The row, or the initial state when none was written yet. */
  get(conversationId: string): Promise<FlowStateRow>;
  getMany(conversationIds: readonly string[]): Promise<Map<string, FlowStateRow>>;
  save(conversationId: string, patch: Partial<Omit<FlowStateRow, 'conversationId'>>, at: Date): Promise<void>;
}

export interface StaffDeskRow {
  staffId: string;
  currentConversationId: string | null;
  lastAssignedAt: Date | null;
}

export interface StaffStateRepository {
  getMany(staffIds: readonly string[]): Promise<Map<string, StaffDeskRow>>;
  setCurrent(staffId: string, conversationId: string | null, at: Date): Promise<void>;
  markAssigned(staffId: string, conversationId: string | null, at: Date): Promise<void>;
  /** The staff id behind a work-chat user id (staff_identities), or null. */
  staffIdForIdentity(channel: string, externalUserId: string): Promise<string | null>;
}

export interface CitizenPrompt {
  conversationId: string;
  kind: 'resolve_feedback';
  askedAt: Date;
}

export interface CitizenPromptRepository {
  /** Replaces any earlier prompt for this citizen. */
  set(channel: Channel, citizenUserId: string, prompt: CitizenPrompt): Promise<void>;
  /** Removes and returns the citizen's pending prompt, if any. */
  take(channel: Channel, citizenUserId: string): Promise<CitizenPrompt | null>;
}

/** Durable side effects written in the caller's transaction (src/jobs rows). */
export interface DurableWork {
  /** `keep` semantics: a key is scheduled at most once for its whole life. */
  scheduleTimer(input: { key: string; kind: string; dueAt: Date; payload: unknown }): Promise<void>;
  /** Re-arms the key whatever its state (for retries that move). */
  rescheduleTimer(input: { key: string; kind: string; dueAt: Date; payload: unknown }): Promise<void>;
  cancelTimers(prefix: string): Promise<number>;
  enqueueOutbox(input: {
    kind: string;
    payload: unknown;
    idempotencyKey: string;
    at: Date;
  }): Promise<boolean>;
  /** Several timers in one statement, `keep` semantics each. */
  scheduleTimers(
    inputs: readonly { key: string; kind: string; dueAt: Date; payload: unknown }[],
  ): Promise<void>;
  /**
   * Locks these helpers' assignment decisions until the transaction ends (across processes), so two
   * concurrent assignments never both see the same helper under capacity. Decisions about other
   * helpers go on in parallel. Take every lock a transaction needs in one call: locks are taken in
   * one fixed order, which is what keeps two transactions from waiting on each other.
   */
  lockAssignments(staffIds: readonly string[]): Promise<void>;
}

export interface FlowRepositories {
  conversations: ConversationRepository;
  inbox: InboxRepository;
  messages: MessageRepository;
  events: EventRepository;
  flowState: FlowStateRepository;
  staffState: StaffStateRepository;
  prompts: CitizenPromptRepository;
  work: DurableWork;
  /** 12345 tickets (src/flows/hotline-types.ts). */
  hotline: HotlineRepository;
}

/** What a transaction can read ahead for a batch (timer handlers firing together). */
export interface FlowPreload {
  /**
   * Row-locks these conversations (in id order) and reads their flow state, previews and events of
   * `eventTypes` in a few statements; the handlers' later reads of them in this transaction are
   * answered from that. Outside a transaction it does nothing.
   */
  preload(conversationIds: readonly string[], options: { eventTypes: readonly string[] }): Promise<void>;
}

export interface FlowStore extends FlowRepositories {
  /** Runs `fn` in one transaction; everything it writes commits together or not at all. */
  transaction<T>(fn: (tx: FlowRepositories & FlowPreload) => Promise<T>): Promise<T>;
}

/**
 * Read-your-writes caches for one flow transaction. A handoff reads the same flow state, desk
 * state and preview several times (the SLA cycle, the summary for each notification …); inside one
 * transaction those reads are answered from what this transaction read or wrote. Events are
 * appended in one statement when the transaction ends (they are append-only, and reads of them in
 * the transaction see the pending ones). Locking a conversation row drops what was cached for it, so
 * state read under the lock is always fresh — unless `preload` locked it, in which case the cache
 * was filled under the lock and this transaction's own writes keep it current.
 * Used only inside `FlowStore.transaction`; each transaction gets new caches.
 */
import type {
  ConversationRepository,
  ConversationRow,
  EventRepository,
  EventRow,
  FlowPreload,
  FlowStateRepository,
  FlowStateRow,
  MessageRepository,
  StaffDeskRow,
  StaffStateRepository,
} from '../../flows/repositories.ts';
import type { Db } from '../database.ts';
import { lockConversations } from './conversation-repository.ts';
import { appendEvents, keyedEvents } from './event-repository.ts';
import { initialFlowState } from './flow-state-repository.ts';

export interface CachedRepositories {
  flowState: FlowStateRepository;
  staffState: StaffStateRepository;
  messages: MessageRepository;
  conversations: ConversationRepository;
  events: EventRepository;
}

export interface TransactionCaches extends CachedRepositories, FlowPreload {
  /** Writes what is still pending (the events); the transaction calls it before committing. */
  flush(): Promise<void>;
}

/**
 * Reads the ids not cached yet in one call and caches them, absent ones as null; answers like the
 * repository would (absent ids left out).
 */
async function readThrough<V>(
  cache: Map<string, V | null>,
  ids: readonly string[],
  read: (missing: string[]) => Promise<Map<string, V>>,
): Promise<Map<string, V>> {
  const missing = [...new Set(ids.filter((id) => !cache.has(id)))];
  if (missing.length > 0) {
    const found = await read(missing);
    for (const id of missing) cache.set(id, found.get(id) ?? null);
  }
  const out = new Map<string, V>();
  for (const id of ids) {
    const value = cache.get(id);
    if (value != null) out.set(id, value);
  }
  return out;
}

function sameValues(row: object, patch: object): boolean {
  return Object.entries(patch).every(([key, value]) => {
    const current = (row as Record<string, unknown>)[key];
    if (current instanceof Date && value instanceof Date) return current.getTime() === value.getTime();
    return current === value;
  });
}

export function withTransactionCaches(db: Db, repos: CachedRepositories): TransactionCaches {
  const flows = new Map<string, FlowStateRow | null>();
  const desks = new Map<string, StaffDeskRow | null>();
  // null: the conversation has no citizen text yet.
  const previews = new Map<string, string | null>();
  /** Rows this transaction locked through `preload`, kept current with its own updates. */
  const locked = new Map<string, ConversationRow | null>();
  /** Events of the preloaded types, per conversation: `type` and `type\u0000key`. */
  const preloadedEvents = new Map<string, Set<string>>();
  const preloadedTypes = new Set<string>();
  let pendingEvents: Omit<EventRow, 'id'>[] = [];

  const forget = (conversationId: string) => {
    if (locked.has(conversationId)) return;
    flows.delete(conversationId);
    previews.delete(conversationId);
  };
  const flush = async () => {
    if (pendingEvents.length === 0) return;
    const events = pendingEvents;
    pendingEvents = [];
    await appendEvents(db, events);
  };
  const pendingHas = (conversationId: string, type: string, key?: string) =>
    pendingEvents.some(
      (event) =>
        event.conversationId === conversationId &&
        event.type === type &&
        (key === undefined || event.data.key === key),
    );
  const preloadedAnswer = (conversationId: string, type: string, key?: string): boolean | null => {
    if (!preloadedTypes.has(type) || !locked.has(conversationId)) return null;
    const seen = preloadedEvents.get(conversationId);
    return seen?.has(key === undefined ? type : `${type}\u0000${key}`) ?? false;
  };

  const flowState: FlowStateRepository = {
    async get(conversationId) {
      const cached = flows.get(conversationId);
      if (cached) return { ...cached };
      const row = await repos.flowState.get(conversationId);
      flows.set(conversationId, row);
      return { ...row };
    },
    async getMany(conversationIds) {
      const found = await readThrough(flows, conversationIds, (ids) => repos.flowState.getMany(ids));
      return new Map([...found].map(([id, row]) => [id, { ...row }]));
    },
    async save(conversationId, patch, at) {
      const cached = flows.get(conversationId);
      // Saving what the row already holds (e.g. `awaiting: null` again) writes nothing.
      if (cached && sameValues(cached, patch)) return;
      await repos.flowState.save(conversationId, patch, at);
      if (cached) flows.set(conversationId, { ...cached, ...patch });
    },
  };

  const staffState: StaffStateRepository = {
    ...repos.staffState,
    async getMany(staffIds) {
      const found = await readThrough(desks, staffIds, (ids) => repos.staffState.getMany(ids));
      return new Map([...found].map(([id, row]) => [id, { ...row }]));
    },
    async setCurrent(staffId, conversationId, at) {
      await repos.staffState.setCurrent(staffId, conversationId, at);
      const cached = desks.get(staffId);
      if (cached) desks.set(staffId, { ...cached, currentConversationId: conversationId });
    },
    async markAssigned(staffId, conversationId, at) {
      await repos.staffState.markAssigned(staffId, conversationId, at);
      const cached = desks.get(staffId);
      if (!cached) return;
      desks.set(staffId, {
        ...cached,
        lastAssignedAt: at,
        ...(conversationId === null ? {} : { currentConversationId: conversationId }),
      });
    },
  };

  const messages: MessageRepository = {
    ...repos.messages,
    async insert(message) {
      const id = await repos.messages.insert(message);
      // The newest citizen text is the preview; other messages leave it as it was.
      if (message.senderKind === 'citizen' && message.kind !== 'event')
        previews.set(message.conversationId, message.body);
      return id;
    },
    latestCitizenTexts: (conversationIds) =>
      readThrough(previews, conversationIds, (ids) => repos.messages.latestCitizenTexts(ids)),
  };

  const conversations: ConversationRepository = {
    ...repos.conversations,
    async create(input) {
      const row = await repos.conversations.create(input);
      // A conversation made in this transaction has no flow state and no citizen text yet.
      if (row) {
        flows.set(row.id, initialFlowState(row.id));
        previews.set(row.id, null);
      }
      return row;
    },
    async lock(conversationId) {
      if (locked.has(conversationId)) {
        const row = locked.get(conversationId);
        return row ? { ...row } : null;
      }
      forget(conversationId);
      return repos.conversations.lock(conversationId);
    },
    async update(conversationId, patch, at) {
      await repos.conversations.update(conversationId, patch, at);
      const row = locked.get(conversationId);
      if (row) locked.set(conversationId, { ...row, ...patch, updatedAt: at });
    },
    async lockOpenForCitizen(channel, citizenUserId) {
      const row = await repos.conversations.lockOpenForCitizen(channel, citizenUserId);
      if (row) forget(row.id);
      return row;
    },
    async lockOldestQueued(itemId) {
      const row = await repos.conversations.lockOldestQueued(itemId);
      if (row) forget(row.id);
      return row;
    },
  };

  const events: EventRepository = {
    async append(event) {
      pendingEvents.push(event);
    },
    async hasKeyed(conversationId, type, key) {
      if (pendingHas(conversationId, type, key)) return true;
      return preloadedAnswer(conversationId, type, key) ?? repos.events.hasKeyed(conversationId, type, key);
    },
    async hasType(conversationId, type) {
      if (pendingHas(conversationId, type)) return true;
      return preloadedAnswer(conversationId, type) ?? repos.events.hasType(conversationId, type);
    },
    async list(conversationId) {
      await flush();
      return repos.events.list(conversationId);
    },
  };

  return {
    flowState,
    staffState,
    messages,
    conversations,
    events,
    flush,
    async preload(conversationIds, options) {
      const ids = [...new Set(conversationIds)].filter((id) => !locked.has(id));
      if (ids.length === 0) return;
      const rows = await lockConversations(db, ids);
      for (const id of ids) {
        flows.delete(id);
        previews.delete(id);
      }
      // One after the other: a transaction's statements share one connection anyway.
      await flowState.getMany(ids);
      await messages.latestCitizenTexts(ids);
      const seen = await keyedEvents(db, ids, options.eventTypes);
      const byId = new Map(rows.map((row) => [row.id, row]));
      for (const id of ids) locked.set(id, byId.get(id) ?? null);
      for (const type of options.eventTypes) preloadedTypes.add(type);
      for (const event of seen) {
        let set = preloadedEvents.get(event.conversationId);
        if (!set) preloadedEvents.set(event.conversationId, (set = new Set()));
        set.add(event.type);
        if (event.key !== null) set.add(`${event.type}\u0000${event.key}`);
      }
    },
  };
}

/**
 * Read-your-writes caches for one flow transaction. A handoff reads the same flow state, desk
 * state and preview several times (the SLA cycle, the summary for each notification …); inside one
 * transaction those reads can be answered from what this transaction read or wrote. Locking a
 * conversation row drops what was cached for it, so state read under the lock is always fresh.
 * Used only inside `FlowStore.transaction`; each transaction gets new caches.
 */
import type {
  ConversationRepository,
  FlowStateRepository,
  FlowStateRow,
  MessageRepository,
  StaffDeskRow,
  StaffStateRepository,
} from '../../flows/repositories.ts';

export interface TransactionCaches {
  flowState: FlowStateRepository;
  staffState: StaffStateRepository;
  messages: MessageRepository;
  conversations: ConversationRepository;
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

export function withTransactionCaches(repos: TransactionCaches): TransactionCaches {
  const flows = new Map<string, FlowStateRow | null>();
  const desks = new Map<string, StaffDeskRow | null>();
  // null: the conversation has no citizen text yet.
  const previews = new Map<string, string | null>();
  const forget = (conversationId: string) => {
    flows.delete(conversationId);
    previews.delete(conversationId);
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
    async latestCitizenTexts(conversationIds) {
      return readThrough(previews, conversationIds, (ids) => repos.messages.latestCitizenTexts(ids));
    },
  };

  const conversations: ConversationRepository = {
    ...repos.conversations,
    async lock(conversationId) {
      forget(conversationId);
      return repos.conversations.lock(conversationId);
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

  return { flowState, staffState, messages, conversations };
}

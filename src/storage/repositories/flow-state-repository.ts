import { eq, inArray } from 'drizzle-orm';
import type { FlowStateRepository, FlowStateRow } from '../../flows/repositories.ts';
import type { Db } from '../database.ts';
import { conversationFlow } from '../schema/flows.ts';

/** The flow state of a conversation nothing was saved for yet. */
export function initialFlowState(conversationId: string): FlowStateRow {
  return {
    conversationId,
    awaiting: null,
    botEntryId: null,
    slaCycle: 0,
    slaClockStart: null,
    slaDueAt: null,
    reassignments: 0,
  };
}

function toRow(row: typeof conversationFlow.$inferSelect): FlowStateRow {
  const { updatedAt: _updatedAt, ...rest } = row;
  return rest;
}

export function createFlowStateRepository(db: Db): FlowStateRepository {
  return {
    async get(conversationId) {
      const [row] = await db
        .select()
        .from(conversationFlow)
        .where(eq(conversationFlow.conversationId, conversationId));
      return row ? toRow(row) : initialFlowState(conversationId);
    },

    async getMany(conversationIds) {
      const found = new Map<string, FlowStateRow>();
      if (conversationIds.length === 0) return found;
      const rows = await db
        .select()
        .from(conversationFlow)
        .where(inArray(conversationFlow.conversationId, [...conversationIds]));
      for (const row of rows) found.set(row.conversationId, toRow(row));
      for (const id of conversationIds) if (!found.has(id)) found.set(id, initialFlowState(id));
      return found;
    },

    async save(conversationId, patch, at) {
      await db
        .insert(conversationFlow)
        .values({ ...initialFlowState(conversationId), ...patch, updatedAt: at })
        .onConflictDoUpdate({ target: conversationFlow.conversationId, set: { ...patch, updatedAt: at } });
    },
  };
}

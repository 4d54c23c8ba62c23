import { and, eq, inArray } from 'drizzle-orm';
import type { StaffDeskRow, StaffStateRepository } from '../../flows/repositories.ts';
import type { Db } from '../database.ts';
import { staffDeskState } from '../schema/flows.ts';
import { staffIdentities } from '../schema/index.ts';

export function createStaffStateRepository(db: Db): StaffStateRepository {
  const upsert = async (
    staffId: string,
    set: Partial<typeof staffDeskState.$inferInsert>,
    at: Date,
  ): Promise<void> => {
    await db
      .insert(staffDeskState)
      .values({ staffId, ...set, updatedAt: at })
      .onConflictDoUpdate({ target: staffDeskState.staffId, set: { ...set, updatedAt: at } });
  };

  return {
    async getMany(staffIds) {
      const found = new Map<string, StaffDeskRow>();
      if (staffIds.length === 0) return found;
      const rows = await db
        .select({
          staffId: staffDeskState.staffId,
          currentConversationId: staffDeskState.currentConversationId,
          lastAssignedAt: staffDeskState.lastAssignedAt,
        })
        .from(staffDeskState)
        .where(inArray(staffDeskState.staffId, [...staffIds]));
      for (const row of rows) found.set(row.staffId, row);
      return found;
    },

    setCurrent: (staffId, conversationId, at) =>
      upsert(staffId, { currentConversationId: conversationId }, at),

    markAssigned: (staffId, conversationId, at) =>
      upsert(
        staffId,
        conversationId === null
          ? { lastAssignedAt: at }
          : { lastAssignedAt: at, currentConversationId: conversationId },
        at,
      ),

    async staffIdForIdentity(channel, externalUserId) {
      const [row] = await db
        .select({ staffId: staffIdentities.staffId })
        .from(staffIdentities)
        .where(and(eq(staffIdentities.channel, channel), eq(staffIdentities.externalUserId, externalUserId)));
      return row?.staffId ?? null;
    },
  };
}

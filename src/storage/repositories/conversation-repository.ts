import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Channel } from '../../core/inbound.ts';
import type { ConversationRepository, ConversationRow } from '../../flows/repositories.ts';
import type { Db } from '../database.ts';
import { conversations } from '../schema/index.ts';

type Stored = typeof conversations.$inferSelect;

function toRow(row: Stored): ConversationRow {
  return {
    id: row.id,
    code: row.code,
    channel: row.channel as Channel,
    citizenUserId: row.citizenUserId,
    itemId: row.itemId,
    state: row.state,
    assigneeId: row.assigneeId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    handoffAt: row.handoffAt,
    assignedAt: row.assignedAt,
    firstHumanResponseAt: row.firstHumanResponseAt,
    closedAt: row.closedAt,
  };
}

const OPEN = ['bot', 'queued', 'assigned', 'active'] as const;
const OWNED = ['assigned', 'active'] as const;

export function createConversationRepository(db: Db): ConversationRepository {
  const one = async (rows: Promise<Stored[]>): Promise<ConversationRow | null> => {
    const [row] = await rows;
    return row ? toRow(row) : null;
  };

  return {
    async create(input) {
      // No conflict target: a taken code and the one-open-per-citizen index both mean "not created".
      const rows = await db
        .insert(conversations)
        .values({
          id: input.id,
          code: input.code,
          channel: input.channel,
          citizenUserId: input.citizenUserId,
          itemId: input.itemId,
          createdAt: input.at,
          updatedAt: input.at,
        })
        .onConflictDoNothing()
        .returning();
      return rows[0] ? toRow(rows[0]) : null;
    },

    lockOpenForCitizen: (channel, citizenUserId) =>
      one(
        db
          .select()
          .from(conversations)
          .where(
            and(
              eq(conversations.channel, channel),
              eq(conversations.citizenUserId, citizenUserId),
              inArray(conversations.state, OPEN),
            ),
          )
          .for('update'),
      ),

    lock: (id) => one(db.select().from(conversations).where(eq(conversations.id, id)).for('update')),
    get: (id) => one(db.select().from(conversations).where(eq(conversations.id, id))),
    findByCode: (code) =>
      one(db.select().from(conversations).where(eq(conversations.code, code.toUpperCase()))),

    async update(id, patch, at) {
      await db
        .update(conversations)
        .set({ ...patch, updatedAt: at })
        .where(eq(conversations.id, id));
    },

    async list(filter) {
      const conditions = [inArray(conversations.state, [...filter.states])];
      if (filter.assigneeId !== undefined) conditions.push(eq(conversations.assigneeId, filter.assigneeId));
      if (filter.itemIds !== undefined) {
        if (filter.itemIds.length === 0) return [];
        conditions.push(inArray(conversations.itemId, [...filter.itemIds]));
      }
      const rows = await db
        .select()
        .from(conversations)
        .where(and(...conditions))
        .orderBy(
          sql`${conversations.handoffAt} asc nulls last`,
          asc(conversations.createdAt),
          asc(conversations.id),
        );
      return rows.map(toRow);
    },

    lockOldestQueued: (itemId) =>
      one(
        db
          .select()
          .from(conversations)
          .where(and(eq(conversations.state, 'queued'), eq(conversations.itemId, itemId)))
          .orderBy(asc(conversations.handoffAt), asc(conversations.createdAt))
          .limit(1)
          .for('update', { skipLocked: true }),
      ),

    async openCounts(staffIds) {
      if (staffIds.length === 0) return new Map();
      const rows = await db
        .select({ staffId: conversations.assigneeId, count: sql<number>`count(*)::int` })
        .from(conversations)
        .where(and(inArray(conversations.assigneeId, [...staffIds]), inArray(conversations.state, OWNED)))
        .groupBy(conversations.assigneeId);
      return new Map(rows.map((row) => [row.staffId ?? '', Number(row.count)]));
    },
  };
}

/** Row-locks these conversations in id order (so two batches never wait on each other crosswise). */
export async function lockConversations(db: Db, ids: readonly string[]): Promise<ConversationRow[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    .from(conversations)
    .where(inArray(conversations.id, [...ids]))
    .orderBy(asc(conversations.id))
    .for('update');
  return rows.map(toRow);
}

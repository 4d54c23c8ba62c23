import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { EventRepository, EventRow } from '../../flows/repositories.ts';
import type { Db } from '../database.ts';
import { conversationEvents } from '../schema/index.ts';

export function createEventRepository(db: Db): EventRepository {
  return {
    async append(event) {
      await db.insert(conversationEvents).values(event);
    },

    async hasType(conversationId, type) {
      const rows = await db
        .select({ id: conversationEvents.id })
        .from(conversationEvents)
        .where(and(eq(conversationEvents.conversationId, conversationId), eq(conversationEvents.type, type)))
        .limit(1);
      return rows.length > 0;
    },

    async hasKeyed(conversationId, type, key) {
      const rows = await db
        .select({ id: conversationEvents.id })
        .from(conversationEvents)
        .where(
          and(
            eq(conversationEvents.conversationId, conversationId),
            eq(conversationEvents.type, type),
            sql`${conversationEvents.data} ->> 'key' = ${key}`,
          ),
        )
        .limit(1);
      return rows.length > 0;
    },

    async list(conversationId) {
      const rows = await db
        .select()
        .from(conversationEvents)
        .where(eq(conversationEvents.conversationId, conversationId))
        .orderBy(asc(conversationEvents.id));
      return rows as EventRow[];
    },
  };
}

/** Several events in one statement (in order: ids follow the array). */
export async function appendEvents(db: Db, events: readonly Omit<EventRow, 'id'>[]): Promise<void> {
  if (events.length > 0) await db.insert(conversationEvents).values([...events]);
}

/** Type and data.key of the events of these types in these conversations. */
export async function keyedEvents(
  db: Db,
  conversationIds: readonly string[],
  types: readonly string[],
): Promise<{ conversationId: string; type: string; key: string | null }[]> {
  if (conversationIds.length === 0 || types.length === 0) return [];
  return db
    .select({
      conversationId: conversationEvents.conversationId,
      type: conversationEvents.type,
      key: sql<string | null>`${conversationEvents.data} ->> 'key'`,
    })
    .from(conversationEvents)
    .where(
      and(
        inArray(conversationEvents.conversationId, [...conversationIds]),
        inArray(conversationEvents.type, [...types]),
      ),
    );
}

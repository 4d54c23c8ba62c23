import { and, asc, eq, sql } from 'drizzle-orm';
import type { EventRepository, EventRow } from '../../flows/repositories.ts';
import type { Db } from '../database.ts';
import { conversationEvents } from '../schema/index.ts';

export function createEventRepository(db: Db): EventRepository {
  return {
    async append(event) {
      await db.insert(conversationEvents).values(event);
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

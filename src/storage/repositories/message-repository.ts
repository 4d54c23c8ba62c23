import { and, asc, desc, eq, gt, inArray, ne } from 'drizzle-orm';
import type { MessageRepository, MessageRow } from '../../flows/repositories.ts';
import type { Db } from '../database.ts';
import { messages } from '../schema/index.ts';

export function createMessageRepository(db: Db): MessageRepository {
  return {
    async insert(message) {
      const [row] = await db.insert(messages).values(message).returning({ id: messages.id });
      return row!.id;
    },

    async list(conversationId, options) {
      const conditions = [eq(messages.conversationId, conversationId)];
      if (options.afterId !== undefined) conditions.push(gt(messages.id, options.afterId));
      const rows = await db
        .select()
        .from(messages)
        .where(and(...conditions))
        .orderBy(asc(messages.id))
        .limit(options.limit);
      return rows as MessageRow[];
    },

    async latestCitizenTexts(conversationIds) {
      if (conversationIds.length === 0) return new Map();
      const rows = await db
        .selectDistinctOn([messages.conversationId], {
          conversationId: messages.conversationId,
          body: messages.body,
        })
        .from(messages)
        .where(
          and(
            inArray(messages.conversationId, [...conversationIds]),
            eq(messages.senderKind, 'citizen'),
            ne(messages.kind, 'event'),
          ),
        )
        .orderBy(messages.conversationId, desc(messages.id));
      return new Map(rows.map((row) => [row.conversationId, row.body]));
    },
  };
}

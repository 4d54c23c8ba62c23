import { and, asc, eq, isNull } from 'drizzle-orm';
import type { InboxRepository } from '../../flows/repositories.ts';
import type { Db } from '../database.ts';
import { inbox } from '../schema/index.ts';

export function createInboxRepository(db: Db): InboxRepository {
  return {
    async insert(entry) {
      const inserted = await db
        .insert(inbox)
        .values({
          channel: entry.channel,
          externalId: entry.externalId,
          payload: entry.payload,
          receivedAt: entry.at,
        })
        .onConflictDoNothing({ target: [inbox.channel, inbox.externalId] })
        .returning({ id: inbox.id });
      if (inserted[0]) return { id: inserted[0].id, duplicate: false };
      const [existing] = await db
        .select({ id: inbox.id })
        .from(inbox)
        .where(and(eq(inbox.channel, entry.channel), eq(inbox.externalId, entry.externalId)));
      if (!existing)
        throw new Error(`inbox row ${entry.channel}/${entry.externalId} conflicted but cannot be read`);
      return { id: existing.id, duplicate: true };
    },

    async lockUnprocessed(id) {
      const [row] = await db
        .select({ id: inbox.id, payload: inbox.payload })
        .from(inbox)
        .where(and(eq(inbox.id, id), isNull(inbox.processedAt)))
        .for('update');
      return row ?? null;
    },

    async markProcessed(id, at) {
      await db.update(inbox).set({ processedAt: at, error: null }).where(eq(inbox.id, id));
    },

    async recordError(id, message) {
      await db
        .update(inbox)
        .set({ error: message.slice(0, 2000) })
        .where(eq(inbox.id, id));
    },

    async unprocessedIds(limit) {
      const rows = await db
        .select({ id: inbox.id })
        .from(inbox)
        .where(isNull(inbox.processedAt))
        .orderBy(asc(inbox.id))
        .limit(limit);
      return rows.map((row) => row.id);
    },
  };
}

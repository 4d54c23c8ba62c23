import { and, desc, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../../src/storage/database.ts';
import { wecomCards } from '../../src/storage/schema/wecom.ts';

/** 接单 cards sent to staff and their single-use response codes (doc 90236: once, within 72 h). */

export async function saveCard(
  db: Db,
  card: { taskId: string; conversationId: string; userId: string; responseCode?: string },
  at: Date,
): Promise<void> {
  await db
    .insert(wecomCards)
    .values({ ...card, responseCode: card.responseCode ?? null, createdAt: at, updatedAt: at })
    .onConflictDoNothing({ target: wecomCards.taskId });
}

/** A click carries a fresh response code for its card; keep it for the update that follows. */
export async function recordCardClick(db: Db, taskId: string, responseCode: string, at: Date): Promise<void> {
  await db.update(wecomCards).set({ responseCode, updatedAt: at }).where(eq(wecomCards.taskId, taskId));
}

/** This person's cards for the conversation that can still be rewritten, newest first. */
export async function updatableCards(
  db: Db,
  conversationId: string,
  userId: string,
): Promise<{ taskId: string; responseCode: string }[]> {
  const rows = await db
    .select({ taskId: wecomCards.taskId, responseCode: wecomCards.responseCode })
    .from(wecomCards)
    .where(
      and(
        eq(wecomCards.conversationId, conversationId),
        eq(wecomCards.userId, userId),
        isNotNull(wecomCards.responseCode),
      ),
    )
    .orderBy(desc(wecomCards.createdAt));
  return rows.map((row) => ({ taskId: row.taskId, responseCode: row.responseCode! }));
}

/** The code was used (or refused): it cannot be used again. */
export async function spendCard(db: Db, taskId: string, at: Date): Promise<void> {
  await db.update(wecomCards).set({ responseCode: null, updatedAt: at }).where(eq(wecomCards.taskId, taskId));
}

import { and, eq, gt, lt, lte, ne, sql } from 'drizzle-orm';
import type { Db } from '../../src/storage/database.ts';
import { wecomKfCursors, wecomKfCustomers } from '../../src/storage/schema/wecom.ts';

/** 微信客服 may answer a citizen only within 48 h of their last message, ≤ 5 times (protocols §5.8). */
export const KF_WINDOW_MS = 48 * 3600_000;
export const KF_REPLIES_PER_MESSAGE = 5;

export async function loadCursor(db: Db, openKfId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ cursor: wecomKfCursors.cursor })
    .from(wecomKfCursors)
    .where(eq(wecomKfCursors.openKfId, openKfId));
  return row?.cursor;
}

export async function saveCursor(db: Db, openKfId: string, cursor: string, at: Date): Promise<void> {
  await db
    .insert(wecomKfCursors)
    .values({ openKfId, cursor, updatedAt: at })
    .onConflictDoUpdate({ target: wecomKfCursors.openKfId, set: { cursor, updatedAt: at } });
}

/**
 * The citizen wrote: their window restarts at `sentAt` with no replies used. A re-synced copy of
 * the same message (same msgid) or an older one never resets it.
 */
export async function recordCitizenMessage(
  db: Db,
  message: { externalUserId: string; openKfId: string; msgId: string; sentAt: Date },
): Promise<void> {
  const { externalUserId, openKfId, msgId, sentAt } = message;
  await db
    .insert(wecomKfCustomers)
    .values({
      externalUserId,
      openKfId,
      lastMessageAt: sentAt,
      lastMsgId: msgId,
      repliesSince: 0,
      updatedAt: sentAt,
    })
    .onConflictDoUpdate({
      target: wecomKfCustomers.externalUserId,
      set: { openKfId, lastMessageAt: sentAt, lastMsgId: msgId, repliesSince: 0, updatedAt: sentAt },
      setWhere: and(lte(wecomKfCustomers.lastMessageAt, sentAt), ne(wecomKfCustomers.lastMsgId, msgId)),
    });
}

export type ReplySlot =
  { ok: true; openKfId: string } | { ok: false; reason: 'unknown_citizen' | 'window_closed' | 'reply_limit' };

/** Takes one of the citizen's reply slots atomically, or says why there is none. */
export async function takeReplySlot(db: Db, externalUserId: string, now: Date): Promise<ReplySlot> {
  const opensAfter = new Date(now.getTime() - KF_WINDOW_MS);
  const [taken] = await db
    .update(wecomKfCustomers)
    .set({ repliesSince: sql`${wecomKfCustomers.repliesSince} + 1`, updatedAt: now })
    .where(
      and(
        eq(wecomKfCustomers.externalUserId, externalUserId),
        gt(wecomKfCustomers.lastMessageAt, opensAfter),
        lt(wecomKfCustomers.repliesSince, KF_REPLIES_PER_MESSAGE),
      ),
    )
    .returning({ openKfId: wecomKfCustomers.openKfId });
  if (taken) return { ok: true, openKfId: taken.openKfId };
  const [row] = await db
    .select()
    .from(wecomKfCustomers)
    .where(eq(wecomKfCustomers.externalUserId, externalUserId));
  if (!row) return { ok: false, reason: 'unknown_citizen' };
  return {
    ok: false,
    reason: row.lastMessageAt.getTime() <= opensAfter.getTime() ? 'window_closed' : 'reply_limit',
  };
}

/**
 * The customer-service window per citizen (protocols §6.6, rules since June 2023): a message opens
 * 48 h with 5 custom messages, a menu click or a subscribe 1 min with 3. Passive replies do not
 * count. A WeChat retry of the same push (same dedupe key) never resets the count.
 */
import { and, eq, gt, isNull, lte, ne, not, sql } from 'drizzle-orm';
import type { Db } from '../../src/storage/database.ts';
import {
  wechatOaCitizens,
  wechatOaUndelivered,
  type WechatOaUndeliveredReason,
} from '../../src/storage/schema/wechat-oa.ts';
import type { WindowTrigger } from './parse-message.ts';

export const WINDOWS: Record<Exclude<WindowTrigger, null>, { ms: number; replies: number }> = {
  message: { ms: 48 * 3600_000, replies: 5 },
  event: { ms: 60_000, replies: 3 },
};

/** The citizen wrote (or clicked, or subscribed) at `at`: open the window the trigger gives. */
export async function openWindow(
  db: Db,
  input: { openId: string; trigger: Exclude<WindowTrigger, null>; key: string; at: Date },
): Promise<void> {
  const { openId, trigger, key, at } = input;
  const window = WINDOWS[trigger];
  const until = new Date(at.getTime() + window.ms);
  const values = {
    windowUntil: until,
    repliesLeft: window.replies,
    openedBy: key,
    openedAt: at,
    unsubscribedAt: null,
    updatedAt: at,
  };
  // An event must not cut short a message's window that still has replies left.
  const keepsLongerWindow =
    trigger === 'event'
      ? not(and(gt(wechatOaCitizens.windowUntil, until), gt(wechatOaCitizens.repliesLeft, 0))!)
      : undefined;
  await db
    .insert(wechatOaCitizens)
    .values({ openId, ...values })
    .onConflictDoUpdate({
      target: wechatOaCitizens.openId,
      set: values,
      setWhere: and(
        ne(wechatOaCitizens.openedBy, key),
        lte(wechatOaCitizens.openedAt, at),
        keepsLongerWindow,
      ),
    });
}

/** After `unsubscribe` nothing can be sent until the citizen comes back. */
export async function markUnsubscribed(db: Db, openId: string, at: Date): Promise<void> {
  await db
    .insert(wechatOaCitizens)
    .values({
      openId,
      windowUntil: at,
      repliesLeft: 0,
      openedBy: '',
      openedAt: at,
      unsubscribedAt: at,
      updatedAt: at,
    })
    .onConflictDoUpdate({
      target: wechatOaCitizens.openId,
      set: { unsubscribedAt: at, repliesLeft: 0, updatedAt: at },
    });
}

export type ReplySlot =
  { ok: true } | { ok: false; reason: Exclude<WechatOaUndeliveredReason, 'api_refused'> };

/** Takes one custom-message slot atomically, or says why there is none. */
export async function takeReplySlot(db: Db, openId: string, now: Date): Promise<ReplySlot> {
  const [taken] = await db
    .update(wechatOaCitizens)
    .set({ repliesLeft: sql`${wechatOaCitizens.repliesLeft} - 1`, updatedAt: now })
    .where(
      and(
        eq(wechatOaCitizens.openId, openId),
        gt(wechatOaCitizens.windowUntil, now),
        gt(wechatOaCitizens.repliesLeft, 0),
        isNull(wechatOaCitizens.unsubscribedAt),
      ),
    )
    .returning({ openId: wechatOaCitizens.openId });
  if (taken) return { ok: true };
  const [row] = await db.select().from(wechatOaCitizens).where(eq(wechatOaCitizens.openId, openId));
  if (!row) return { ok: false, reason: 'unknown_citizen' };
  if (row.unsubscribedAt) return { ok: false, reason: 'unsubscribed' };
  return { ok: false, reason: row.windowUntil.getTime() <= now.getTime() ? 'window_closed' : 'reply_limit' };
}

/** The conversation's record that a reply did not reach the citizen on WeChat. */
export async function recordUndelivered(
  db: Db,
  input: {
    conversationId: string;
    openId: string;
    reason: WechatOaUndeliveredReason;
    errcode?: number;
    messageKind: string;
    at: Date;
  },
): Promise<void> {
  await db.insert(wechatOaUndelivered).values({
    conversationId: input.conversationId,
    openId: input.openId,
    reason: input.reason,
    errcode: input.errcode ?? null,
    messageKind: input.messageKind,
    createdAt: input.at,
  });
}

/** What did not reach the citizens of a conversation (desk, audits, tests). */
export async function listUndelivered(db: Db, conversationId: string) {
  return db
    .select()
    .from(wechatOaUndelivered)
    .where(eq(wechatOaUndelivered.conversationId, conversationId))
    .orderBy(wechatOaUndelivered.id);
}

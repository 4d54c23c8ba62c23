import { and, asc, eq, gt, inArray, lt, lte, ne, sql } from 'drizzle-orm';
import type { Db } from '../../src/storage/database.ts';
import { inbox, outbox } from '../../src/storage/schema/durable-work.ts';
import { wecomKfCursors, wecomKfCustomers } from '../../src/storage/schema/wecom.ts';
import { KF_RECEIVE_KEY_PREFIX, kfReceiveKeyPrefix, WECOM_OUTBOX } from './outbox-kinds.ts';

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

/** Outbox rows of kind `wecom.kf_receive` not yet done (pending, or being delivered). */
const queuedReceive = and(
  eq(outbox.kind, WECOM_OUTBOX.kfReceive),
  inArray(outbox.status, ['pending', 'sending']),
);

/**
 * Citizens with a message still waiting in the outbox (a media download, or a message behind one):
 * their next messages must queue behind it to keep their order.
 */
export async function citizensWithQueuedMessages(db: Db): Promise<Set<string>> {
  const rows = await db.select({ key: outbox.idempotencyKey }).from(outbox).where(queuedReceive);
  const citizens = new Set<string>();
  for (const { key } of rows) {
    if (!key.startsWith(KF_RECEIVE_KEY_PREFIX)) continue;
    const rest = key.slice(KF_RECEIVE_KEY_PREFIX.length);
    citizens.add(rest.slice(0, rest.lastIndexOf(':')));
  }
  return citizens;
}

/** Idempotency keys of the citizen's messages queued before the row with `ownKey` and not yet done. */
export async function earlierQueuedMessages(
  db: Db,
  externalUserId: string,
  ownKey: string,
): Promise<string[]> {
  const prefix = kfReceiveKeyPrefix(externalUserId);
  const [own] = await db.select({ id: outbox.id }).from(outbox).where(eq(outbox.idempotencyKey, ownKey));
  if (!own) return [];
  const rows = await db
    .select({ key: outbox.idempotencyKey })
    .from(outbox)
    .where(
      and(
        queuedReceive,
        lt(outbox.id, own.id),
        sql`left(${outbox.idempotencyKey}, ${prefix.length}) = ${prefix}`,
      ),
    )
    .orderBy(asc(outbox.id));
  return rows.map((row) => row.key);
}

/** True when the flows' inbox already holds this 微信客服 message (its media need not be fetched again). */
export async function isInInbox(db: Db, msgId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: inbox.id })
    .from(inbox)
    .where(and(eq(inbox.channel, 'wecom_kf'), eq(inbox.externalId, msgId)));
  return row !== undefined;
}

/**
 * Session webhooks (≈90 min, protocols/dingtalk.md §4) and custom-robot pauses, in the database so
 * every instance sees them and a restart keeps them.
 */
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../../src/storage/database.ts';
import { dingtalkRobotPauses, dingtalkSessions } from '../../src/storage/schema/dingtalk.ts';

/** A webhook this close to its expiry is not used any more (the send itself takes time). */
export const SESSION_MARGIN_MS = 60_000;

export const userSessionKey = (userId: string) => `user:${userId}`;
export const senderSessionKey = (senderId: string) => `sender:${senderId}`;
export const groupSessionKey = (openConversationId: string) => `group:${openConversationId}`;

/** Keeps the webhook with the later expiry (an old redelivery never replaces a newer one). */
export async function saveSession(
  db: Db,
  sessionKey: string,
  webhook: string,
  expiresAt: Date,
  now: Date,
): Promise<void> {
  await db
    .insert(dingtalkSessions)
    .values({ sessionKey, webhook, expiresAt, updatedAt: now })
    .onConflictDoUpdate({
      target: dingtalkSessions.sessionKey,
      set: { webhook, expiresAt, updatedAt: now },
      setWhere: gt(sql`excluded.expires_at`, dingtalkSessions.expiresAt),
    });
}

export async function validSession(db: Db, sessionKey: string, now: Date): Promise<string | null> {
  const [row] = await db
    .select({ webhook: dingtalkSessions.webhook })
    .from(dingtalkSessions)
    .where(
      and(
        eq(dingtalkSessions.sessionKey, sessionKey),
        gt(dingtalkSessions.expiresAt, new Date(now.getTime() + SESSION_MARGIN_MS)),
      ),
    );
  return row?.webhook ?? null;
}

/** DingTalk refused the webhook: forget it (unless a newer one came in meanwhile). */
export async function dropSession(db: Db, sessionKey: string, webhook: string): Promise<void> {
  await db
    .delete(dingtalkSessions)
    .where(and(eq(dingtalkSessions.sessionKey, sessionKey), eq(dingtalkSessions.webhook, webhook)));
}

export async function pauseRobot(
  db: Db,
  itemId: string,
  until: Date,
  reason: string,
  now: Date,
): Promise<void> {
  await db
    .insert(dingtalkRobotPauses)
    .values({ itemId, pausedUntil: until, reason: reason.slice(0, 500), updatedAt: now })
    .onConflictDoUpdate({
      target: dingtalkRobotPauses.itemId,
      set: { pausedUntil: until, reason: reason.slice(0, 500), updatedAt: now },
    });
}

export async function robotPausedUntil(db: Db, itemId: string, now: Date): Promise<Date | null> {
  const [row] = await db
    .select({ until: dingtalkRobotPauses.pausedUntil })
    .from(dingtalkRobotPauses)
    .where(and(eq(dingtalkRobotPauses.itemId, itemId), gt(dingtalkRobotPauses.pausedUntil, now)));
  return row?.until ?? null;
}

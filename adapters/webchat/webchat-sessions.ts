import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Context } from 'koa';
import { AppError } from '../../src/core/errors.ts';
import { bearerToken, hashToken, newSecretToken, safeEqual } from '../../src/desk/secret-token.ts';
import type { Db } from '../../src/storage/database.ts';
import { webchatSessions } from '../../src/storage/schema/access.ts';

/** Session ids are 16 random bytes, base64url: safe in paths, URLs and file names. */
export const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

export interface NewWebchatSession {
  sessionId: string;
  /** Shown once to the widget; only its SHA-256 is stored. */
  token: string;
}

export async function createWebchatSession(
  db: Db,
  now: Date,
  cache?: SessionCache,
): Promise<NewWebchatSession> {
  const sessionId = randomBytes(16).toString('base64url');
  const token = newSecretToken();
  const tokenHash = hashToken(token);
  await db.insert(webchatSessions).values({ id: sessionId, tokenHash, createdAt: now, lastSeenAt: now });
  cache?.remember(sessionId, tokenHash);
  cache?.touchedAt.set(sessionId, now.getTime());
  return { sessionId, token };
}

/**
 * The session in the path, if the request proves it holds its token: `Authorization: Bearer`, or
 * `?token=` where the browser cannot set headers (EventSource, <img>) and `allowQueryToken` says so.
 * Unknown session → 404; no or wrong token → 401.
 */
export async function authenticateSession(
  ctx: Context,
  db: Db,
  options: { allowQueryToken: boolean; cache?: SessionCache },
): Promise<string> {
  const sessionId = ctx.params?.['id'] as string | undefined;
  if (!sessionId || !SESSION_ID.test(sessionId)) throw unknownSession();
  let stored = options.cache?.tokenHashes.get(sessionId);
  if (stored === undefined) {
    const rows = await db
      .select({ tokenHash: webchatSessions.tokenHash })
      .from(webchatSessions)
      .where(eq(webchatSessions.id, sessionId))
      .limit(1);
    stored = rows[0]?.tokenHash;
    if (stored) options.cache?.remember(sessionId, stored);
  }
  if (!stored) throw unknownSession();
  const queryToken =
    options.allowQueryToken && typeof ctx.query['token'] === 'string' ? ctx.query['token'] : undefined;
  const token = bearerToken(ctx.get('Authorization') || undefined) ?? queryToken;
  if (!token) throw new AppError('unauthorized', 'Missing session token (Authorization: Bearer <token>)');
  if (!safeEqual(hashToken(token), stored)) throw new AppError('unauthorized', 'Wrong session token');
  return sessionId;
}

export async function touchSession(
  db: Db,
  sessionId: string,
  now: Date,
  cache?: SessionCache,
): Promise<void> {
  // last_seen_at is for housekeeping, not to the second: one write a minute per session is enough.
  const last = cache?.touchedAt.get(sessionId);
  if (last !== undefined && now.getTime() - last < TOUCH_EVERY_MS) return;
  await db.update(webchatSessions).set({ lastSeenAt: now }).where(eq(webchatSessions.id, sessionId));
  cache?.touchedAt.set(sessionId, now.getTime());
}

const TOUCH_EVERY_MS = 60_000;
const CACHE_LIMIT = 20_000;

/**
 * What this process knows of recent sessions: their token hashes (fixed for a session's life, and
 * sessions are never deleted) and when last_seen_at was last written. Bounded: when full it starts
 * afresh, which costs a read per session, never a wrong answer.
 */
export class SessionCache {
  readonly tokenHashes = new Map<string, string>();
  readonly touchedAt = new Map<string, number>();

  remember(sessionId: string, tokenHash: string): void {
    if (this.tokenHashes.size >= CACHE_LIMIT) this.tokenHashes.clear();
    if (this.touchedAt.size >= CACHE_LIMIT) this.touchedAt.clear();
    this.tokenHashes.set(sessionId, tokenHash);
  }
}

function unknownSession(): AppError {
  return new AppError('not_found', 'Unknown webchat session; start a new one with POST /webchat/sessions');
}

import type { Context } from 'koa';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  authenticateSession,
  createWebchatSession,
  SessionCache,
  touchSession,
} from '../../../adapters/webchat/webchat-sessions.ts';
import { webchatSessions } from '../../../src/storage/schema/index.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 27, 2, 0, seconds));

function requestFor(sessionId: string, token: string): Context {
  return {
    params: { id: sessionId },
    query: {},
    get: (name: string) => (name.toLowerCase() === 'authorization' ? `Bearer ${token}` : ''),
  } as unknown as Context;
}

describe.each(backends)('webchat session cache on %s', (backend) => {
  const test = useTestDatabase(backend);

  it('answers token checks from memory, still refusing a wrong token', async () => {
    const { db } = test.database;
    const cache = new SessionCache();
    const session = await createWebchatSession(db, at(0), cache);
    // The row is gone, yet the session is known: the check did not read the database.
    await db.delete(webchatSessions).where(eq(webchatSessions.id, session.sessionId));
    await expect(
      authenticateSession(requestFor(session.sessionId, session.token), db, {
        allowQueryToken: false,
        cache,
      }),
    ).resolves.toBe(session.sessionId);
    await expect(
      authenticateSession(requestFor(session.sessionId, 'wrong'), db, { allowQueryToken: false, cache }),
    ).rejects.toMatchObject({ code: 'unauthorized' });
    // Without the cache the same request reads the row, and finds none.
    await expect(
      authenticateSession(requestFor(session.sessionId, session.token), db, { allowQueryToken: false }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('writes last_seen_at at most once a minute per session', async () => {
    const { db } = test.database;
    const cache = new SessionCache();
    const session = await createWebchatSession(db, at(0), cache);
    const lastSeen = async () =>
      (await db.select().from(webchatSessions).where(eq(webchatSessions.id, session.sessionId)))[0]
        ?.lastSeenAt;
    await touchSession(db, session.sessionId, at(30), cache);
    expect(await lastSeen()).toEqual(at(0));
    await touchSession(db, session.sessionId, at(61), cache);
    expect(await lastSeen()).toEqual(at(61));
  });
});

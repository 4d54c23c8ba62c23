import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLOSED_STATES, OPEN_STATES } from '../../src/core/conversation-state.ts';
import { CHANNELS } from '../../src/core/inbound.ts';
import {
  CONVERSATION_STATES,
  conversationEvents,
  conversations,
  departments,
  inbox,
  serviceItems,
  staff,
  staffIdentities,
} from '../../src/storage/schema/index.ts';
import { isUniqueViolation, pgErrorCode } from '../../src/storage/database.ts';
import { backends, useTestDatabase } from '../helpers/db.ts';

describe('schema value lists', () => {
  it('stores exactly the conversation states the core knows', () => {
    expect([...CONVERSATION_STATES].sort()).toEqual([...OPEN_STATES, ...CLOSED_STATES].sort());
  });
});

describe.each(backends)('schema constraints on %s', (backend) => {
  const test = useTestDatabase(backend);
  const db = () => test.database.db;

  async function newConversation(citizen = randomUUID()): Promise<string> {
    const id = randomUUID();
    await db()
      .insert(conversations)
      .values({ id, code: id.slice(0, 8), channel: CHANNELS[0]!, citizenUserId: citizen });
    return id;
  }

  beforeAll(async () => {
    await db().insert(departments).values({ id: 'device-reg', name: '器械注册处' });
    await db()
      .insert(serviceItems)
      .values({ id: 'device-registration', name: '第二类医疗器械产品注册', departmentId: 'device-reg' });
    await db()
      .insert(staff)
      .values({ id: 'helper-1', name: '帮办一', departmentId: 'device-reg', roles: ['helper'] });
  });

  it('keeps conversation_events append-only: UPDATE and DELETE are rejected', async () => {
    const conversationId = await newConversation();
    await db()
      .insert(conversationEvents)
      .values({ conversationId, type: 'created', actorKind: 'citizen', data: { via: 'test' } });
    const appendOnly = { cause: expect.objectContaining({ message: expect.stringMatching(/append-only/) }) };
    await expect(
      db()
        .update(conversationEvents)
        .set({ type: 'changed' })
        .where(eq(conversationEvents.conversationId, conversationId)),
    ).rejects.toMatchObject(appendOnly);
    await expect(
      db().delete(conversationEvents).where(eq(conversationEvents.conversationId, conversationId)),
    ).rejects.toMatchObject(appendOnly);
    const rows = await db()
      .select()
      .from(conversationEvents)
      .where(eq(conversationEvents.conversationId, conversationId));
    expect(rows.map((r) => [r.type, r.data])).toEqual([['created', { via: 'test' }]]);
  });

  it('dedupes the inbox on (channel, external_id)', async () => {
    const row = { channel: 'wecom', externalId: '7300000000000000001', payload: { n: 1 } };
    await db().insert(inbox).values(row);
    const duplicate = await db()
      .insert(inbox)
      .values(row)
      .catch((error: unknown) => error);
    expect(isUniqueViolation(duplicate)).toBe(true);
    const again = await db().insert(inbox).values(row).onConflictDoNothing().returning();
    expect(again).toEqual([]);
    await db()
      .insert(inbox)
      .values({ ...row, channel: 'dingtalk' });
  });

  it('allows one open conversation per citizen and channel, any number of closed ones', async () => {
    const citizen = randomUUID();
    const first = await newConversation(citizen);
    await expect(newConversation(citizen)).rejects.toThrow();
    await db().update(conversations).set({ state: 'resolved' }).where(eq(conversations.id, first));
    await expect(newConversation(citizen)).resolves.toBeTypeOf('string');
  });

  it('rejects a state outside the list', async () => {
    const id = await newConversation();
    const error = await db()
      .execute(sql`update conversations set state = 'lost' where id = ${id}`)
      .catch((e: unknown) => e);
    expect(pgErrorCode(error)).toBe('23514'); // check_violation
  });

  it('maps a staff member from one channel user id, once per channel', async () => {
    await db()
      .insert(staffIdentities)
      .values({ channel: 'wecom', externalUserId: 'ZhangSan', staffId: 'helper-1' });
    await expect(
      db()
        .insert(staffIdentities)
        .values({ channel: 'wecom', externalUserId: 'ZhangSan', staffId: 'helper-1' }),
    ).rejects.toThrow();
    await expect(
      db().insert(staffIdentities).values({ channel: 'wecom', externalUserId: 'Other', staffId: 'helper-1' }),
    ).rejects.toThrow();
  });
});

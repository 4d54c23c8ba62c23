import { describe, expect, it } from 'vitest';
import { createFlowStore } from '../../../src/storage/repositories/create-flow-store.ts';
import { syncConfigToDatabase } from '../../../src/storage/repositories/sync-config-to-database.ts';
import { clearFlowTables, testConfig } from '../../flows/flow-harness.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';
import { beforeAll, beforeEach } from 'vitest';

const at = new Date('2026-11-27T02:00:00Z');
const later = (seconds: number) => new Date(at.getTime() + seconds * 1000);

describe.each(backends)('flow store on %s', (backend) => {
  const test = useTestDatabase(backend);
  const store = () => createFlowStore(test.database);

  beforeAll(async () => {
    await syncConfigToDatabase(test.database.db, testConfig());
  });
  beforeEach(async () => {
    await clearFlowTables(test.database);
  });

  const open = (id: string, code: string, citizen: string) => ({
    id,
    code,
    channel: 'webchat' as const,
    citizenUserId: citizen,
    itemId: 'preparation-registration',
    at,
  });

  it('creates a conversation once per citizen and never reuses a code', async () => {
    const s = store();
    expect(await s.conversations.create(open('c1', 'AAAA', 'u1'))).toMatchObject({
      id: 'c1',
      state: 'bot',
      createdAt: at,
    });
    expect(await s.conversations.create(open('c2', 'BBBB', 'u1'))).toBeNull(); // u1 already has an open one
    expect(await s.conversations.create(open('c3', 'AAAA', 'u2'))).toBeNull(); // code taken
    expect(await s.conversations.findByCode('aaaa')).toMatchObject({ id: 'c1' });
    await s.conversations.update('c1', { state: 'resolved', closedAt: at }, at);
    expect(await s.conversations.create(open('c4', 'CCCC', 'u1'))).toMatchObject({ id: 'c4' });
  });

  it('finds the oldest queued conversation of an item and counts open load per helper', async () => {
    const s = store();
    for (const [id, seconds] of [
      ['q-late', 20],
      ['q-early', 10],
    ] as const) {
      await s.conversations.create(open(id, id.toUpperCase().replace('-', ''), id));
      await s.conversations.update(id, { state: 'queued', handoffAt: later(seconds) }, at);
    }
    await s.conversations.create(open('mine', 'MINE', 'u9'));
    await s.conversations.update('mine', { state: 'active', assigneeId: 'zhang-wei' }, at);
    const oldest = await s.transaction((tx) => tx.conversations.lockOldestQueued('preparation-registration'));
    expect(oldest?.id).toBe('q-early');
    expect(await s.conversations.openCounts(['zhang-wei', 'li-na'])).toEqual(new Map([['zhang-wei', 1]]));
  });

  it('dedupes the inbox and hands a row to one processor only', async () => {
    const s = store();
    const first = await s.inbox.insert({ channel: 'webchat', externalId: 'x1', payload: { a: 1 }, at });
    expect(await s.inbox.insert({ channel: 'webchat', externalId: 'x1', payload: { a: 2 }, at })).toEqual({
      id: first.id,
      duplicate: true,
    });
    expect(await s.inbox.unprocessedIds(10)).toEqual([first.id]);
    await s.transaction(async (tx) => {
      expect(await tx.inbox.lockUnprocessed(first.id)).toEqual({ id: first.id, payload: { a: 1 } });
      await tx.inbox.markProcessed(first.id, at);
    });
    expect(await s.inbox.lockUnprocessed(first.id)).toBeNull();
    expect(await s.inbox.unprocessedIds(10)).toEqual([]);

    // takeUnprocessed: marks and returns in one go; once only; undone with its transaction.
    const second = await s.inbox.insert({ channel: 'webchat', externalId: 'x2', payload: { b: 1 }, at });
    await expect(
      s.transaction(async (tx) => {
        expect(await tx.inbox.takeUnprocessed(second.id, at)).toEqual({ id: second.id, payload: { b: 1 } });
        throw new Error('processing failed');
      }),
    ).rejects.toThrow('processing failed');
    expect(await s.inbox.unprocessedIds(10)).toEqual([second.id]);
    expect(await s.inbox.takeUnprocessed(second.id, at)).toEqual({ id: second.id, payload: { b: 1 } });
    expect(await s.inbox.takeUnprocessed(second.id, at)).toBeNull();
  });

  it('stores side-by-side inbox inserts together: each message once, copies answered as duplicates', async () => {
    const s = store();
    const before = await s.inbox.insert({ channel: 'wecom', externalId: 'old', payload: {}, at });
    const entries = [...Array.from({ length: 30 }, (_, i) => `m${i % 10}`), 'old'].map((externalId) => ({
      channel: 'wecom' as const,
      externalId,
      payload: { externalId },
      at,
    }));
    const results = await Promise.all(entries.map((entry) => s.inbox.insert(entry)));
    const byKey = new Map<string, { id: number; duplicate: boolean }[]>();
    for (const [i, result] of results.entries()) {
      const list = byKey.get(entries[i]!.externalId) ?? [];
      list.push(result);
      byKey.set(entries[i]!.externalId, list);
    }
    for (const [key, list] of byKey) {
      expect(new Set(list.map((r) => r.id)).size).toBe(1);
      expect(list.filter((r) => !r.duplicate)).toHaveLength(key === 'old' ? 0 : 1);
    }
    expect(byKey.get('old')![0]!.id).toBe(before.id);
    expect(await s.inbox.unprocessedIds(100)).toHaveLength(11);

    // A batch travels as one JSON document: quotes, backslashes, braces, commas and a null payload
    // come back intact.
    const tricky = { text: 'a "b" \\ {c}, d\n中文 ☃', nested: { list: [1, '2', null] } };
    const [stored, , empty] = await Promise.all([
      s.inbox.insert({ channel: 'wecom', externalId: 'tricky', payload: tricky, at }),
      s.inbox.insert({ channel: 'wecom', externalId: 'plain', payload: {}, at }),
      s.inbox.insert({ channel: 'wecom', externalId: 'null', payload: null, at }),
    ]);
    expect((await s.inbox.lockUnprocessed(stored.id))?.payload).toEqual(tricky);
    expect((await s.inbox.lockUnprocessed(empty.id))?.payload).toBeNull();
  });

  it('fails only the row PostgreSQL refuses when inserts share a batch; the others are stored', async () => {
    const s = store();
    // A NUL in jsonb is a data exception (22P05); InboundDoor strips it, the repository must not
    // let one such row take its batch-mates down with it.
    const results = await Promise.allSettled(
      ['a', 'bad', 'c', 'a'].map((externalId) =>
        s.inbox.insert({
          channel: 'wecom',
          externalId,
          payload: { text: externalId === 'bad' ? 'x\u0000y' : externalId },
          at,
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const [a, , c, again] = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    expect(again).toEqual({ id: a!.id, duplicate: true });
    expect(a!.duplicate || c!.duplicate).toBe(false);
    expect(await s.inbox.unprocessedIds(10)).toEqual([a!.id, c!.id].sort((x, y) => x - y));
  });

  it('keeps flow state, desk state and citizen prompts', async () => {
    const s = store();
    await s.conversations.create(open('f1', 'FFFF', 'u1'));
    expect(await s.flowState.get('f1')).toMatchObject({ slaCycle: 0, awaiting: null, slaDueAt: null });
    await s.flowState.save('f1', { slaCycle: 2, slaDueAt: later(60), awaiting: 'bot_feedback' }, at);
    await s.flowState.save('f1', { slaDueAt: null }, at);
    expect(await s.flowState.get('f1')).toMatchObject({
      slaCycle: 2,
      slaDueAt: null,
      awaiting: 'bot_feedback',
    });

    await s.staffState.markAssigned('li-na', 'f1', at);
    await s.staffState.setCurrent('li-na', null, later(1));
    expect(await s.staffState.getMany(['li-na'])).toEqual(
      new Map([['li-na', { staffId: 'li-na', currentConversationId: null, lastAssignedAt: at }]]),
    );
    expect(await s.staffState.staffIdForIdentity('wecom', 'LiNa')).toBe('li-na');

    await s.prompts.set('webchat', 'u1', { conversationId: 'f1', kind: 'resolve_feedback', askedAt: at });
    expect(await s.prompts.take('webchat', 'u1')).toEqual({
      conversationId: 'f1',
      kind: 'resolve_feedback',
      askedAt: at,
    });
    expect(await s.prompts.take('webchat', 'u1')).toBeNull();
  });

  it('answers repeated reads in a transaction from what it read or wrote, and afresh after a row lock', async () => {
    const s = store();
    await s.conversations.create(open('t1', 'TTTT', 'u1'));
    await s.messages.insert({
      conversationId: 't1',
      direction: 'in',
      senderKind: 'citizen',
      staffId: null,
      kind: 'text',
      body: '第一句',
      mediaRef: null,
      externalId: null,
      createdAt: at,
    });
    await s.transaction(async (tx) => {
      expect((await tx.flowState.get('t1')).slaCycle).toBe(0);
      // PGlite has one connection, held by this transaction: only a server can change the row meanwhile.
      const outside = backend === 'postgres' ? 5 : 0;
      if (backend === 'postgres') {
        // Another connection changes the row; this transaction does not hold the conversation lock.
        await s.flowState.save('t1', { slaCycle: 5 }, at);
        expect((await tx.flowState.get('t1')).slaCycle).toBe(0);
      }
      // Locking the conversation drops what was cached for it.
      await tx.conversations.lock('t1');
      expect((await tx.flowState.get('t1')).slaCycle).toBe(outside);
      await tx.flowState.save('t1', { slaCycle: 6, awaiting: 'bot_feedback' }, at);
      expect(await tx.flowState.get('t1')).toMatchObject({ slaCycle: 6, awaiting: 'bot_feedback' });
      expect((await tx.flowState.getMany(['t1', 'none'])).get('none')).toMatchObject({ slaCycle: 0 });

      expect(await tx.messages.latestCitizenTexts(['t1'])).toEqual(new Map([['t1', '第一句']]));
      await tx.messages.insert({
        conversationId: 't1',
        direction: 'in',
        senderKind: 'citizen',
        staffId: null,
        kind: 'text',
        body: '第二句',
        mediaRef: null,
        externalId: null,
        createdAt: later(1),
      });
      expect(await tx.messages.latestCitizenTexts(['t1'])).toEqual(new Map([['t1', '第二句']]));

      expect(await tx.staffState.getMany(['zhang-wei'])).toEqual(new Map());
      await tx.staffState.markAssigned('zhang-wei', 't1', at);
      expect((await tx.staffState.getMany(['zhang-wei'])).get('zhang-wei')).toBeUndefined();
    });
    // Everything written in the transaction is in the database, cache or not.
    expect(await s.flowState.get('t1')).toMatchObject({ slaCycle: 6, awaiting: 'bot_feedback' });
    expect(await s.messages.latestCitizenTexts(['t1'])).toEqual(new Map([['t1', '第二句']]));
    expect((await s.staffState.getMany(['zhang-wei'])).get('zhang-wei')).toMatchObject({
      currentConversationId: 't1',
    });
  });

  it.runIf(backend === 'postgres')(
    'serialises assignment decisions per helper: disjoint helpers in parallel, a shared one in turn',
    async () => {
      const s = store();
      const order: string[] = [];
      const hold = (name: string, staff: string[], ms: number) =>
        s.transaction(async (tx) => {
          await tx.work.lockAssignments(staff);
          order.push(`${name}+`);
          await new Promise((resolve) => setTimeout(resolve, ms));
          order.push(`${name}-`);
        });
      // a and b share li-na: b waits for a. c's helpers are disjoint: it runs while a holds its locks.
      const a = hold('a', ['zhang-wei', 'li-na'], 300);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const b = hold('b', ['li-na', 'huang-lei'], 10);
      const c = hold('c', ['liu-yang', 'zhao-min'], 10);
      await Promise.all([a, b, c]);
      expect(order.indexOf('c-')).toBeLessThan(order.indexOf('a-'));
      expect(order.indexOf('b+')).toBeGreaterThan(order.indexOf('a-'));
    },
  );

  it('rolls back everything a failed transaction wrote, timers included', async () => {
    const s = store();
    await expect(
      s.transaction(async (tx) => {
        await tx.conversations.create(open('r1', 'RRRR', 'u1'));
        await tx.work.scheduleTimer({
          key: 'sla:r1:1:breach',
          kind: 'sla.breach',
          dueAt: later(60),
          payload: {},
        });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await s.conversations.get('r1')).toBeNull();
    expect(await s.work.cancelTimers('sla:r1:')).toBe(0);
  });
});

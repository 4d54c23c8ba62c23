import os from 'node:os';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/storage/database.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import { conversationEvents, conversations } from '../../src/storage/schema/index.ts';
import { backends } from '../helpers/db.ts';
import { useFlowHarness, type Harness } from './flow-harness.ts';

/**
 * A conversation waiting in the queue while zhang-wei and li-na are both free: handed off on
 * Friday evening, then the clock moves to Monday 09:00 without firing the queue's retry timer.
 */
async function waitingAtOpening(h: Harness, user: string, secondsAfterSix = 0) {
  h.clock.set(new Date(Date.parse('2026-11-27T10:00:00Z') + secondsAfterSix * 1000));
  await h.say(user, '转人工');
  await h.say(user, '1');
  h.clock.set('2026-11-30T01:00:00Z');
  const [row] = await h.database.db.select().from(conversations).where(eq(conversations.citizenUserId, user));
  expect(row).toMatchObject({ state: 'queued' });
  return row!;
}

async function assignments(h: Harness, conversationId: string) {
  const rows = await h.database.db
    .select()
    .from(conversationEvents)
    .where(eq(conversationEvents.conversationId, conversationId));
  return rows.filter((e) => e.type === 'assigned');
}

describe.each(backends)('claiming on %s', (backend) => {
  const harness = useFlowHarness(backend);
  let second: Database | undefined;

  afterAll(async () => {
    await second?.close();
  });

  /**
   * A second "server process": its own connection pool on the PostgreSQL server. PGlite is one
   * in-process database, so there the second instance shares it.
   */
  async function otherProcess(h: Harness) {
    if (backend === 'postgres' && h.database.url) {
      second ??= await openDatabase({ databaseUrl: h.database.url, dataDir: os.tmpdir() });
      return h.another(second);
    }
    return h.another();
  }

  it('lets exactly one of two helpers claiming at once own it', async () => {
    const { h } = harness;
    for (const user of ['a1', 'a2', 'a3']) {
      const conversation = await waitingAtOpening(h, user);
      const results = await Promise.all([
        h.flows.claim('zhang-wei', conversation.id),
        h.flows.claim('li-na', conversation.id),
      ]);
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'already_claimed' }]);
      const [row] = await h.database.db
        .select()
        .from(conversations)
        .where(eq(conversations.id, conversation.id));
      expect(row!.assigneeId).toBe(winners[0]!.ok ? winners[0]!.conversation.assigneeId : null);
      expect(await assignments(h, conversation.id)).toHaveLength(1);
      await h.flows.staffInput({ staffId: row!.assigneeId!, text: '/resolve' });
    }
  });

  it('lets exactly one of two processes own it when their helpers press 接单 together', async () => {
    const { h } = harness;
    const other = await otherProcess(h);
    const conversation = await waitingAtOpening(h, 'b1');
    const results = await Promise.all([
      h.flows.staffInput({ staffId: 'zhang-wei', text: `接单 #${conversation.code}` }),
      other.flows.staffInput({ staffId: 'li-na', text: `接单 ${conversation.code}` }),
    ]);
    expect(results.map((r) => r.ok).sort()).toEqual([false, true]);
    expect(results.find((r) => !r.ok)).toMatchObject({ reason: 'already_claimed' });
    expect(await assignments(h, conversation.id)).toHaveLength(1);
    expect(h.gateway.notificationsOf('claimed')).toHaveLength(1);
  });

  it('claims the longest-waiting conversation with a bare 接单, and says so', async () => {
    const { h } = harness;
    const older = await waitingAtOpening(h, 'n1', 1);
    await waitingAtOpening(h, 'n2', 2);
    expect(await h.flows.staffInput({ staffId: 'li-na', text: '接单' })).toEqual({
      ok: true,
      action: 'claim',
      conversationId: older.id,
    });
    expect(h.gateway.infoTo('li-na').at(-1)).toContain(`已接单 #${older.code}`);
  });

  it('refuses claims that cannot be: unknown, still with the bot, off duty, closed; own again is fine', async () => {
    const { h } = harness;
    expect(await h.flows.claim('zhang-wei', 'no-such-id')).toEqual({ ok: false, reason: 'not_found' });
    await h.say('bot-only', '制剂注册需要什么');
    const [bot] = await h.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, 'bot-only'));
    expect(await h.flows.claim('zhang-wei', bot!.id)).toEqual({ ok: false, reason: 'not_waiting' });

    const waiting = await waitingAtOpening(h, 'd1');
    expect(await h.flows.claim('wu-ting', waiting.id)).toEqual({ ok: false, reason: 'not_on_duty' });
    expect(await h.flows.staffInput({ staffId: 'wu-ting', text: `接单 ${waiting.code}` })).toMatchObject({
      ok: false,
      reason: 'not_on_duty',
    });
    expect(await h.flows.claim('zhang-wei', waiting.id)).toMatchObject({ ok: true });
    expect(await h.flows.claim('zhang-wei', waiting.id)).toMatchObject({
      ok: true,
      conversation: { assigneeId: 'zhang-wei', assigneeName: '张伟' },
    });
    await h.flows.staffInput({ staffId: 'zhang-wei', text: '/resolve' });
    expect(await h.flows.claim('li-na', waiting.id)).toEqual({ ok: false, reason: 'closed' });
  });

  it('claims from a work-chat card button (claim:<id>)', async () => {
    const { h } = harness;
    const waiting = await waitingAtOpening(h, 'e1');
    await h.flows.handleInbound({
      channel: 'wecom',
      channelUserId: 'LiNa',
      senderRole: 'staff',
      externalId: 'card-1',
      kind: 'event',
      event: 'card_action',
      key: `claim:${waiting.id}`,
    });
    const [row] = await h.database.db.select().from(conversations).where(eq(conversations.id, waiting.id));
    expect(row).toMatchObject({ state: 'assigned', assigneeId: 'li-na' });
  });
});

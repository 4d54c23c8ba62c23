import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { conversations } from '../../src/storage/schema/index.ts';
import { backends } from '../helpers/db.ts';
import { testConfig, useFlowHarness, type Harness } from './flow-harness.ts';

/** Citizen `user` asks for a human about 医疗机构制剂注册 (item 1). */
async function handOff(h: Harness, user: string) {
  await h.say(user, '转人工');
  await h.say(user, '1');
  const [row] = await h.database.db.select().from(conversations).where(eq(conversations.citizenUserId, user));
  return row!;
}

const stateOf = async (h: Harness, id: string) => (await h.flows.getConversation(id))!;

describe.each(backends)('queue on %s (one open conversation per helper)', (backend) => {
  const harness = useFlowHarness(
    backend,
    testConfig((raw) => {
      raw.sla.maxOpenPerHelper = 1;
    }),
  );

  it('fills the primary, then the backup, then queues; a resolve serves the oldest waiting first', async () => {
    const { h } = harness;
    const first = await handOff(h, 'q1');
    const second = await handOff(h, 'q2');
    expect([first.assigneeId, second.assigneeId]).toEqual(['zhang-wei', 'li-na']);

    h.gateway.clear();
    const third = await handOff(h, 'q3');
    h.clock.advance(1000);
    const fourth = await handOff(h, 'q4');
    expect([third.state, fourth.state]).toEqual(['queued', 'queued']);
    expect(h.gateway.textsTo('q3').at(-1)).toBe('帮办人员正忙，您已进入排队，我们将按顺序尽快为您服务。');
    const offers = h.gateway
      .notificationsOf('new_conversation')
      .filter((n) => n.notification.conversation.id === third.id);
    expect(offers.map((n) => [n.staffId, n.notification.claimable])).toEqual([
      ['zhang-wei', true],
      ['li-na', true],
    ]);
    expect(await h.flows.claim('li-na', third.id)).toEqual({ ok: false, reason: 'at_capacity' });

    h.gateway.clear();
    expect(await h.flows.staffInput({ staffId: 'zhang-wei', text: '/resolve' })).toMatchObject({
      ok: true,
      action: 'resolve',
    });
    expect(await stateOf(h, third.id)).toMatchObject({ state: 'assigned', assigneeId: 'zhang-wei' });
    expect(await stateOf(h, fourth.id)).toMatchObject({ state: 'queued', assigneeId: null });
    expect(h.gateway.notificationsOf('assigned')).toMatchObject([
      { staffId: 'zhang-wei', notification: { conversation: { id: third.id } } },
    ]);
    expect(h.gateway.textsTo('q3')).toEqual(['帮办人员张伟已为您服务，请稍候。']);

    // A transfer frees li-na's place: the next waiting conversation goes to her.
    await h.flows.staffInput({ staffId: 'li-na', text: '您好' });
    const transferred = await h.flows.staffInput({ staffId: 'li-na', text: '/transfer zhang-wei' });
    expect(transferred).toMatchObject({ ok: true, action: 'transfer' });
    expect(await stateOf(h, fourth.id)).toMatchObject({ state: 'assigned', assigneeId: 'li-na' });
  });

  it('lists the queue for a helper on duty and everything for a supervisor', async () => {
    const { h } = harness;
    await handOff(h, 'l1');
    h.clock.advance(1000);
    await handOff(h, 'l2');
    h.clock.advance(1000);
    const waiting = await handOff(h, 'l3');
    const forZhang = await h.flows.listOpen({ staffId: 'zhang-wei' });
    expect(forZhang.map((c) => [c.state, c.assigneeId])).toEqual([
      ['assigned', 'zhang-wei'],
      ['queued', null],
    ]);
    expect(await h.flows.listOpen({ staffId: 'wu-ting' })).toEqual([]);
    const all = await h.flows.listOpen({ all: true });
    expect(all).toHaveLength(3);
    expect(all.at(-1)).toMatchObject({
      id: waiting.id,
      itemName: '医疗机构制剂注册',
      slaDueAt: new Date(h.clock.now().getTime() + 60_000),
    });
  });
});

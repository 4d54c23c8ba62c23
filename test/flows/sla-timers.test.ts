import { and, eq, like } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { conversationEvents, conversations, timers } from '../../src/storage/schema/index.ts';
import { backends } from '../helpers/db.ts';
import { useFlowHarness, type Harness } from './flow-harness.ts';

const BEING_HELPED = '您的问题正在处理中，工作人员马上为您解答，请稍候。';

/** A citizen handed off at the harness's start time (Friday 10:00, zhang-wei primary, li-na backup). */
async function handedOff(h: Harness, user: string) {
  await h.say(user, '转人工');
  await h.flows.handleInbound(h.citizen(user, '1')); // the item list's first entry: 医疗机构制剂注册
  const [row] = await h.database.db.select().from(conversations).where(eq(conversations.citizenUserId, user));
  expect(row).toMatchObject({ state: 'assigned', assigneeId: 'zhang-wei' });
  h.gateway.clear();
  return row!;
}

const reminders = (h: Harness) =>
  h.gateway
    .notificationsOf('reminder')
    .map((r) => [r.staffId, r.notification.level, r.notification.secondsLeft]);
const pendingTimers = (h: Harness, conversationId: string) =>
  h.database.db
    .select({ key: timers.key })
    .from(timers)
    .where(and(like(timers.key, `sla:${conversationId}:%`), eq(timers.status, 'pending')));

describe.each(backends)('SLA timers on %s', (backend) => {
  const harness = useFlowHarness(backend);

  it('reminds at 30 s and 50 s, escalates at 60 s to the backup, and a reply then stops the clock', async () => {
    const { h } = harness;
    const conversation = await handedOff(h, 's1');

    await h.advance(29);
    expect(reminders(h)).toEqual([]);
    await h.advance(1);
    expect(reminders(h)).toEqual([['zhang-wei', 1, 30]]);
    await h.advance(20);
    expect(reminders(h)).toEqual([
      ['zhang-wei', 1, 30],
      ['zhang-wei', 2, 10],
      ['li-na', 2, 10],
    ]);
    expect(h.gateway.notificationsOf('breach')).toEqual([]);

    await h.advance(10);
    expect(h.gateway.notificationsOf('assigned')).toMatchObject([
      { staffId: 'li-na', notification: { by: 'escalation' } },
    ]);
    expect(h.gateway.notificationsOf('breach')).toMatchObject([
      {
        staffId: 'wang-jianguo',
        notification: { previousAssigneeId: 'zhang-wei', conversation: { assigneeId: 'li-na' } },
      },
    ]);
    expect(h.gateway.infoTo('zhang-wei')).toEqual([expect.stringContaining('已转派给李娜')]);
    expect(h.gateway.textsTo('s1')).toEqual([BEING_HELPED]);
    expect((await h.flows.getConversation(conversation.id))?.slaDueAt).toEqual(
      new Date(h.clock.now().getTime() + 60_000),
    );

    await h.advance(5);
    expect(await h.flows.staffInput({ staffId: 'li-na', text: '您好，我来为您解答。' })).toEqual({
      ok: true,
      action: 'reply',
      conversationId: conversation.id,
    });
    expect(h.gateway.textsTo('s1').at(-1)).toBe('您好，我来为您解答。');
    const [answered] = await h.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, conversation.id));
    expect(answered).toMatchObject({ state: 'active', firstHumanResponseAt: h.clock.now() });
    expect(await pendingTimers(h, conversation.id)).toEqual([]);
    const events = await h.database.db
      .select()
      .from(conversationEvents)
      .where(eq(conversationEvents.conversationId, conversation.id));
    expect(events.find((e) => e.type === 'first_response')?.data).toMatchObject({
      withinSla: false,
      workingSeconds: 65,
    });

    const before = h.gateway.staff.length;
    await h.advance(120);
    expect(h.gateway.staff.length).toBe(before);
  });

  it('does nothing when a human answered before the reminders', async () => {
    const { h } = harness;
    const conversation = await handedOff(h, 's2');
    await h.advance(20);
    await h.flows.staffInput({ staffId: 'zhang-wei', text: '您好' });
    // A timer row that somehow still fires must see the answer and stay silent.
    await h.database.db
      .update(timers)
      .set({ status: 'pending' })
      .where(like(timers.key, `sla:${conversation.id}:%`));
    await h.advance(60);
    expect(h.gateway.notificationsOf('reminder')).toEqual([]);
    expect(h.gateway.notificationsOf('breach')).toEqual([]);
    const events = await h.database.db
      .select()
      .from(conversationEvents)
      .where(eq(conversationEvents.conversationId, conversation.id));
    expect(events.find((e) => e.type === 'first_response')?.data).toMatchObject({
      withinSla: true,
      workingSeconds: 20,
    });
    expect(events.map((e) => e.type)).not.toContain('sla_reminder');
  });

  it('takes effect once when a timer fires twice', async () => {
    const { h } = harness;
    const conversation = await handedOff(h, 's3');
    await h.advance(30);
    await h.database.db
      .update(timers)
      .set({ status: 'pending' })
      .where(eq(timers.key, `sla:${conversation.id}:1:r1`));
    await h.runner.runNow();
    expect(reminders(h)).toEqual([['zhang-wei', 1, 30]]);
  });

  it('escalates again every cycle (backup, primary, backup), then only tells the supervisor', async () => {
    const { h } = harness;
    const conversation = await handedOff(h, 's4');
    const assignees: string[] = [];
    for (let cycle = 0; cycle < 5; cycle += 1) {
      await h.advance(60);
      const [row] = await h.database.db
        .select()
        .from(conversations)
        .where(eq(conversations.id, conversation.id));
      assignees.push(row!.assigneeId!);
    }
    expect(assignees).toEqual(['li-na', 'zhang-wei', 'li-na', 'li-na', 'li-na']);
    expect(h.gateway.notificationsOf('assigned').map((a) => a.notification.by)).toEqual([
      'escalation',
      'escalation',
      'escalation',
    ]);
    // First breach, and the last round where nobody took over.
    expect(h.gateway.notificationsOf('breach')).toHaveLength(2);
    expect(h.gateway.textsTo('s4')).toEqual([BEING_HELPED]);
    expect(await pendingTimers(h, conversation.id)).toEqual([]);
  });
});

describe.each(backends)('outside working hours on %s', (backend) => {
  const harness = useFlowHarness(backend);

  it('tells the citizen the hours, queues, and starts the clock at the next opening', async () => {
    const { h } = harness;
    h.clock.set('2026-11-27T10:00:00Z'); // Friday 18:00 in Shanghai
    await h.say('o1', '转人工');
    await h.say('o1', '1');
    expect(h.gateway.textsTo('o1').at(-1)).toBe(
      '现在是非工作时间。医疗机构制剂注册的人工帮办时间为工作日 09:00–11:30、13:30–17:00。您可以直接留言，工作人员将于 11月30日 09:00 起按顺序为您办理。',
    );
    const [queued] = await h.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.citizenUserId, 'o1'));
    expect(queued).toMatchObject({ state: 'queued', assigneeId: null });
    const handoff = (
      await h.database.db
        .select()
        .from(conversationEvents)
        .where(eq(conversationEvents.conversationId, queued!.id))
    ).find((e) => e.type === 'handoff');
    expect(handoff?.data).toMatchObject({
      inWorkingHours: false,
      clockStartsAt: '2026-11-30T01:00:00.000Z',
      dueAt: '2026-11-30T01:01:00.000Z',
    });

    await h.say('o1', '我的留言：制剂批件过期了怎么办');
    await h.advance(2 * 86_400 + 15 * 3600 - 1); // Monday 08:59:59
    expect(h.gateway.notificationsOf('assigned')).toEqual([]);
    await h.advance(1);
    expect(h.gateway.notificationsOf('assigned')).toMatchObject([
      { staffId: 'zhang-wei', notification: { conversation: { preview: '我的留言：制剂批件过期了怎么办' } } },
    ]);
    await h.advance(30);
    expect(reminders(h)).toEqual([['zhang-wei', 1, 30]]);
  });
});

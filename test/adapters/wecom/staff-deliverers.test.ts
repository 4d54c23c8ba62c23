import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WecomApiClient } from '../../../adapters/wecom/api-client.ts';
import { createStaffDeliverers } from '../../../adapters/wecom/staff-deliverers.ts';
import { ManualClock } from '../../../src/clock.ts';
import type { DeliveryContext } from '../../../src/jobs/outbox-runner.ts';
import { startFakeWecom, type FakeWecom } from '../../fakes/wecom/fake-wecom-server.ts';
import { useTestDatabase } from '../../helpers/db.ts';

const context: DeliveryContext = { kind: 'wecom.app', idempotencyKey: 'k', attempt: 1 };

/** The platform limits, against the fake that enforces them (it drops app messages past 30/min per member, as WeCom does). */
describe('staff deliverers respect WeCom’s limits', () => {
  const test = useTestDatabase('pglite');
  const clock = new ManualClock('2026-11-27T02:00:00Z');
  let fake: FakeWecom;
  let deliver: ReturnType<typeof createStaffDeliverers>;
  beforeAll(async () => {
    fake = await startFakeWecom({
      corpId: 'wwcorp',
      robotKeys: ['robot-1'],
      now: () => clock.now().getTime(),
    });
    const sleep = async (ms: number) => {
      await Promise.resolve();
      clock.advance(ms);
    };
    const client = new WecomApiClient({
      apiBase: fake.url,
      corpId: 'wwcorp',
      agentId: 1,
      secret: 'app-secret',
      clock,
      sleep,
    });
    deliver = createStaffDeliverers({
      client,
      db: test.database.db,
      clock,
      robotKeys: { 'preparation-registration': 'robot-1' },
      appChats: {},
      sleep,
    });
  });
  afterAll(() => fake.close());

  it('45 reminders to one member inside a minute: none dropped by WeCom, every line delivered (merged)', async () => {
    const texts = Array.from({ length: 45 }, (_, i) => `⏰ 提醒 ${i}`);
    await Promise.all(
      texts.map((content) =>
        deliver.app({ userId: 'ZhangWei', message: { msgtype: 'text', text: { content } } }, context),
      ),
    );
    const calls = fake.callsTo('message/send');
    expect(calls.filter((c) => c.dropped)).toHaveLength(0);
    const delivered = fake
      .delivered('ZhangWei')
      .flatMap((c) => (c.body!['text'] as { content: string }).content.split('\n\n'));
    expect(delivered.sort()).toEqual([...texts].sort());
    expect(calls.length).toBeLessThanOrEqual(30);
  });

  it('25 group posts in a burst: no robot frequency error, mentions kept', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        deliver.group(
          { itemId: 'preparation-registration', text: `超时 ${i}`, mention: [`user${i % 3}`] },
          context,
        ),
      ),
    );
    const calls = fake.callsTo('webhook/send');
    expect(calls.every((c) => c.errcode === 0)).toBe(true);
    const mentioned = new Set(
      calls.flatMap((c) => (c.body!['text'] as { mentioned_list?: string[] }).mentioned_list ?? []),
    );
    expect(mentioned).toEqual(new Set(['user0', 'user1', 'user2']));
  });

  it('an item without a group configured is a no-op', async () => {
    const before = fake.calls.length;
    await deliver.group({ itemId: 'device-registration', text: 'x', mention: [] }, context);
    expect(fake.calls.length).toBe(before);
  });
});

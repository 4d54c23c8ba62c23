import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WecomApiClient } from '../../../adapters/wecom/api-client.ts';
import { createStaffDeliverers } from '../../../adapters/wecom/staff-deliverers.ts';
import { ManualClock } from '../../../src/clock.ts';
import type { DeliveryContext } from '../../../src/jobs/outbox-runner.ts';
import { startFakeWecom, type FakeWecom } from '../../fakes/wecom/fake-wecom-server.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';

const context: DeliveryContext = { kind: 'wecom.app', idempotencyKey: 'k', attempt: 1 };

/** The most calls inside any 60 s window. */
function busiestMinute(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[i]! - sorted[j]! >= 60_000) j += 1;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe.each(backends)('WeCom limits shared by instances on one %s database', (backend) => {
  const test = useTestDatabase(backend);
  let clock: ManualClock;
  let fake: FakeWecom;
  beforeEach(async () => {
    clock = new ManualClock('2026-11-27T02:00:00Z');
    await test.database.db.execute(sql`delete from wecom_rate_slots`);
    fake = await startFakeWecom({
      corpId: 'wwcorp',
      robotKeys: ['robot-1'],
      now: () => clock.now().getTime(),
    });
  });
  afterEach(() => fake.close());

  /** One bangban instance's deliverers: its own API client and queues, the shared database. */
  function instance(shared: boolean) {
    const sleep = async (ms: number) => {
      await new Promise((resolve) => setImmediate(resolve));
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
    return createStaffDeliverers({
      client,
      db: test.database.db,
      clock,
      robotKeys: { 'preparation-registration': 'robot-1' },
      appChats: {},
      sharedLimits: shared,
      sleep,
    });
  }

  /** 25 unmergeable app messages from each of three instances to one member. */
  async function burst(shared: boolean) {
    const instances = [instance(shared), instance(shared), instance(shared)];
    return Promise.allSettled(
      instances.flatMap((deliver, n) =>
        Array.from({ length: 25 }, (_, i) =>
          deliver.app(
            { userId: 'ZhangWei', message: { msgtype: 'markdown', markdown: { content: `**${n}-${i}**` } } },
            context,
          ),
        ),
      ),
    );
  }

  it('three instances together send at most 30 a minute to a member: nothing is dropped by WeCom', async () => {
    const results = await burst(true);
    const calls = fake.callsTo('message/send');
    expect(calls.filter((c) => c.dropped)).toHaveLength(0);
    expect(busiestMinute(calls.map((c) => c.at))).toBeLessThanOrEqual(30);
    const sent = results.filter((r) => r.status === 'fulfilled').length;
    expect(sent).toBe(calls.length);
    expect(sent).toBeGreaterThanOrEqual(30);
    // What could not get a slot in time fails as retryable: the outbox sends it later.
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ retryable: true });
  });

  it('control: with per-process limits the same burst overflows WeCom’s limit and messages are dropped', async () => {
    await burst(false);
    expect(fake.callsTo('message/send').filter((c) => c.dropped).length).toBeGreaterThan(0);
  });

  it('group robot posts from three instances stay within 20 a minute (no 45009)', async () => {
    const instances = [instance(true), instance(true), instance(true)];
    await Promise.allSettled(
      instances.flatMap((deliver, n) =>
        Array.from({ length: 12 }, (_, i) =>
          deliver.group(
            // Texts too long to merge, so each post needs its own slot.
            { itemId: 'preparation-registration', text: `${n}-${i} ${'长'.repeat(600)}`, mention: [] },
            context,
          ),
        ),
      ),
    );
    const posts = fake.callsTo('webhook/send');
    expect(posts.length).toBeGreaterThanOrEqual(20);
    expect(posts.filter((c) => c.errcode !== 0)).toHaveLength(0);
    expect(busiestMinute(posts.map((c) => c.at))).toBeLessThanOrEqual(20);
    // The robot's key is a credential: only its hash is stored.
    const keys = await test.database.db.execute(sql`select distinct key from wecom_rate_slots`);
    expect(JSON.stringify(keys)).not.toContain('robot-1');
  });
});

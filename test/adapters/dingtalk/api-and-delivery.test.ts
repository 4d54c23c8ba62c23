/**
 * The API client (single-flight token, errors from the body, throttles not retried) and the
 * deliverers (≤ 20/min custom robot with merged texts, msgUuid stable across retries) against the
 * loopback fake DingTalk.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DingtalkApiError, DingtalkNetworkError } from '../../../adapters/dingtalk/api-errors.ts';
import { DingtalkApiClient } from '../../../adapters/dingtalk/api-client.ts';
import { createDingtalkDeliverers } from '../../../adapters/dingtalk/staff-deliverers.ts';
import { ManualClock } from '../../../src/clock.ts';
import { createLogger } from '../../../src/logger.ts';
import type { MediaStore } from '../../../src/ports.ts';
import { dingtalkRobotPauses, dingtalkSessions } from '../../../src/storage/schema/index.ts';
import { startFakeDingtalk, type FakeDingtalk } from '../../fakes/dingtalk/fake-dingtalk-server.ts';
import { backends, useTestDatabase } from '../../helpers/db.ts';

const SECRET = `SEC${'b'.repeat(62)}`;
const ctx = { kind: 'dingtalk.group', idempotencyKey: 'k', attempt: 1 };
const noMedia: MediaStore = { put: () => Promise.reject(new Error('unused')), get: async () => null };

describe('DingtalkApiClient against the fake', () => {
  let fake: FakeDingtalk;
  let clock: ManualClock;
  let client: DingtalkApiClient;
  beforeEach(async () => {
    clock = new ManualClock('2026-11-27T02:00:00Z');
    fake = await startFakeDingtalk({ appKey: 'k', appSecret: 's', now: () => clock.now().getTime() });
    client = new DingtalkApiClient({
      apiBase: fake.url,
      oapiBase: fake.url,
      appKey: 'k',
      appSecret: 's',
      robotCode: 'k',
      clock,
      sleep: async () => {},
    });
  });
  afterEach(() => fake.close());

  it('fetches one token for many concurrent calls, and a new one after 7200 s', async () => {
    await Promise.all(
      Array.from({ length: 8 }, () =>
        client.batchSend(['u1'], { msgKey: 'sampleText', msgParam: { content: 'x' } }),
      ),
    );
    expect(fake.tokensIssued()).toBe(1);
    clock.advance(7200_000);
    await client.batchSend(['u1'], { msgKey: 'sampleText', msgParam: { content: 'y' } });
    expect(fake.tokensIssued()).toBe(2);
    expect(fake.delivered('u1')).toHaveLength(9);
  });

  it('reads errors from the body: errcode with HTTP 200 (not retried when final), code with HTTP 4xx', async () => {
    const webhook = fake.addRobot('r', SECRET);
    // Unsigned: the fake answers 310000 with HTTP 200.
    const error = await client
      .sendWebhook('robot/send', webhook, { message: { msgtype: 'text', text: { content: 'x' } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DingtalkApiError);
    expect(error).toMatchObject({ code: '310000', retryable: false });
    expect(fake.callsTo('robot/send')).toHaveLength(1);

    fake.failNext('robot/groupMessages/send', { code: 'group.disbanded', message: '群已解散', status: 400 });
    await expect(
      client.groupSend('cid', { msgKey: 'sampleText', msgParam: { content: 'x' } }),
    ).rejects.toMatchObject({
      code: 'group.disbanded',
      retryable: false,
    });

    // An HTML 502 is a network failure, retried inside the call.
    fake.failNext('robot/oToMessages/batchSend', { status: 502 });
    await client.batchSend(['u2'], { msgKey: 'sampleText', msgParam: { content: 'z' } });
    expect(fake.delivered('u2')).toHaveLength(1);
    fake.failNext('robot/oToMessages/batchSend', { status: 502 }, 3);
    await expect(
      client.batchSend(['u2'], { msgKey: 'sampleText', msgParam: { content: 'z' } }),
    ).rejects.toBeInstanceOf(DingtalkNetworkError);

    // A robot throttle is not retried inside the call (it lasts 10 minutes).
    fake.failNext('robot/send', { errcode: 410100, errmsg: '发送速度太快而限流' });
    await expect(
      client.sendWebhook('robot/send', webhook, { message: { msgtype: 'text', text: { content: 'x' } } }),
    ).rejects.toMatchObject({ throttled: true });
  });

  it('a rejected token is replaced once', async () => {
    await client.batchSend(['u1'], { msgKey: 'sampleText', msgParam: { content: 'a' } });
    fake.failNext('robot/oToMessages/batchSend', {
      code: 'InvalidAuthentication',
      message: 'bad token',
      status: 401,
    });
    await client.batchSend(['u1'], { msgKey: 'sampleText', msgParam: { content: 'b' } });
    expect(fake.tokensIssued()).toBe(2);
  });
});

describe.each(backends)('DingTalk deliverers on %s', (backend) => {
  const test = useTestDatabase(backend);
  let fake: FakeDingtalk;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock('2026-11-27T02:00:00Z');
    fake = await startFakeDingtalk({ appKey: 'k', appSecret: 's', now: () => clock.now().getTime() });
  });
  afterAll(() => fake.close());

  function deliverers(groups: Parameters<typeof createDingtalkDeliverers>[0]['groups']) {
    const client = new DingtalkApiClient({
      apiBase: fake.url,
      oapiBase: fake.url,
      appKey: 'k',
      appSecret: 's',
      robotCode: 'k',
      clock,
      sleep: async () => {},
    });
    return createDingtalkDeliverers({
      client,
      db: test.database.db,
      clock,
      logger: createLogger({ level: 'silent' }),
      media: noMedia,
      groups,
      sleep: async (ms) => {
        await Promise.resolve();
        clock.advance(ms);
      },
    });
  }

  it('25 reminders in a burst: ≤ 20 robot sends in any minute, merged, none dropped, signed, msgUuid kept', async () => {
    const webhook = fake.addRobot('burst', SECRET);
    const d = deliverers({ item1: { robot: { webhook, secret: SECRET } } });
    const texts = Array.from({ length: 25 }, (_, i) => `提醒 ${i}`);
    await Promise.all(
      texts.map((text, i) =>
        d.group({ itemId: 'item1', text, mention: [`u${i % 3}`], uuid: `uuid-${i}` }, ctx),
      ),
    );
    const sent = fake.delivered('burst');
    expect(sent.length).toBeLessThanOrEqual(20);
    expect(fake.callsTo('robot/send').every((c) => c.result === '0')).toBe(true);
    const all = sent.map((c) => (c.body!['text'] as { content: string }).content).join('\n');
    for (const text of texts) expect(all).toContain(text);
    const merged = sent.filter((c) => (c.body!['text'] as { content: string }).content.includes('\n\n'));
    expect(merged.length, 'some reminders travelled together').toBeGreaterThan(0);
    // Which reminders share a send depends on timing; whatever was merged must @ everyone its parts @.
    for (const call of merged) {
      const content = (call.body!['text'] as { content: string }).content;
      const expected = new Set(
        texts.flatMap((text, i) =>
          content.includes(`${text}\n`) || content.endsWith(text) ? [`u${i % 3}`] : [],
        ),
      );
      expect(new Set((call.body!['at'] as { atUserIds: string[] }).atUserIds)).toEqual(expected);
    }
  });

  it('a retry of the same job sends the same msgUuid (DingTalk shows it once)', async () => {
    const webhook = fake.addRobot('retry', SECRET);
    const d = deliverers({ item2: { robot: { webhook, secret: SECRET } } });
    fake.failNext('robot/send', { delayMs: 0 });
    await d.group({ itemId: 'item2', text: '超时', mention: [], uuid: 'same-uuid' }, ctx);
    await d.group({ itemId: 'item2', text: '超时', mention: [], uuid: 'same-uuid' }, ctx);
    const calls = fake.callsTo('robot/send').filter((c) => c.to.includes('retry'));
    expect(calls.map((c) => c.body!['msgUuid'])).toEqual(['same-uuid', 'same-uuid']);
    expect(fake.delivered('retry')).toHaveLength(1);
  });

  it('a robot without openConversationId that is paused leaves the job retryable; pauses are stored', async () => {
    const webhook = fake.addRobot('lonely', SECRET);
    const d = deliverers({ item3: { robot: { webhook, secret: SECRET } } });
    fake.failNext('robot/send', { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' });
    await expect(d.group({ itemId: 'item3', text: 'x', mention: [], uuid: 'u' }, ctx)).rejects.toMatchObject({
      retryable: true,
    });
    const pauses = await test.database.db.select().from(dingtalkRobotPauses);
    expect(pauses.map((p) => p.itemId)).toContain('item3');
    void dingtalkSessions;
  });
});

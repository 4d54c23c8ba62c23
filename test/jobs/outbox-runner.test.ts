import os from 'node:os';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import {
  DeliveryError,
  isRetryable,
  OutboxRunner,
  type DeadLetter,
  type OutboxRunnerOptions,
} from '../../src/jobs/outbox-runner.ts';
import { claimReadyMessages, enqueueOutbox } from '../../src/jobs/outbox-store.ts';
import { ManualScheduler } from '../../src/jobs/scheduler.ts';
import type { Database } from '../../src/storage/database.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import { outbox } from '../../src/storage/schema/index.ts';
import {
  backends,
  createTestDatabase,
  hasPostgres,
  useTestDatabase,
  type TestDatabase,
} from '../helpers/db.ts';
import { advanceRunner } from '../helpers/advance-runner.ts';
import { expectRowCountEventually } from '../helpers/row-count.ts';

const T0 = new Date('2026-11-27T02:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('isRetryable', () => {
  it('retries unless the error says retryable: false', () => {
    expect(isRetryable(new Error('socket hang up'))).toBe(true);
    expect(isRetryable(new DeliveryError('bad token', { retryable: true }))).toBe(true);
    expect(isRetryable(new DeliveryError('ticket rejected', { retryable: false }))).toBe(false);
    expect(isRetryable(Object.assign(new Error('gateway'), { retryable: false }))).toBe(false);
    expect(isRetryable('a string')).toBe(true);
  });
});

describe.each(backends)('OutboxRunner on %s (injected clock)', (backend) => {
  const test = useTestDatabase(backend);
  let clock: ManualClock;
  let scheduler: ManualScheduler;
  let runner: OutboxRunner;
  let sent: { payload: unknown; attempt: number; key: string }[];
  let failures: unknown[];
  let dead: DeadLetter[];

  async function startRunner(options: Partial<OutboxRunnerOptions> = {}): Promise<void> {
    runner = new OutboxRunner({
      database: test.database,
      clock,
      scheduler,
      listen: false,
      random: () => 1,
      backoff: { baseMs: 1000, maxMs: 60_000 },
      onDeadLetter: (message) => {
        dead.push(message);
      },
      ...options,
    }).register('wecom.send', async (payload, context) => {
      const failure = failures.shift();
      if (failure) throw failure;
      sent.push({ payload, attempt: context.attempt, key: context.idempotencyKey });
    });
    await runner.start();
    await runner.idle();
  }
  const advance = (ms: number) => advanceRunner(runner, scheduler, clock, ms);
  const row = async (key: string) =>
    (await test.database.db.select().from(outbox).where(eq(outbox.idempotencyKey, key)))[0];

  beforeEach(async () => {
    await test.database.db.delete(outbox);
    clock = new ManualClock(T0);
    scheduler = new ManualScheduler(clock);
    sent = [];
    failures = [];
    dead = [];
    await startRunner();
  });
  afterEach(async () => {
    await runner.stop();
  });

  it('delivers a message once, even when it is enqueued twice', async () => {
    const message = {
      kind: 'wecom.send',
      payload: { touser: 'ZhangSan', text: '新会话 #K7Q2' },
      idempotencyKey: 'notify:c1:assigned',
    };
    expect(await runner.enqueue(message)).toEqual({ enqueued: true });
    expect(await runner.enqueue(message)).toEqual({ enqueued: false });
    await advance(0);
    await advance(10_000);
    expect(sent).toEqual([{ payload: message.payload, attempt: 1, key: 'notify:c1:assigned' }]);
    expect(await row('notify:c1:assigned')).toMatchObject({
      status: 'delivered',
      attempts: 1,
      deliveredAt: T0,
      lockedBy: null,
    });
  });

  it('waits for notBefore', async () => {
    await runner.enqueue({
      kind: 'wecom.send',
      payload: 'later',
      idempotencyKey: 'later',
      notBefore: at(3000),
    });
    await advance(2999);
    expect(sent).toEqual([]);
    await advance(1);
    expect(sent.map((s) => s.payload)).toEqual(['later']);
  });

  it('retries a failed delivery after a backoff, then succeeds', async () => {
    failures.push(new Error('ECONNRESET'));
    await runner.enqueue({ kind: 'wecom.send', payload: 'hi', idempotencyKey: 'retry-once' });
    await advance(0);
    expect(await row('retry-once')).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'ECONNRESET',
      nextAttemptAt: at(1000),
    });
    await advance(999);
    expect(sent).toEqual([]);
    await advance(1);
    expect(sent).toEqual([{ payload: 'hi', attempt: 2, key: 'retry-once' }]);
    expect(await row('retry-once')).toMatchObject({ status: 'delivered', attempts: 2, lastError: null });
  });

  it('waits longer after each failure', async () => {
    failures.push(...Array.from({ length: 4 }, () => new Error('503')));
    await runner.enqueue({ kind: 'wecom.send', payload: 'x', idempotencyKey: 'growing' });
    const gaps: number[] = [];
    let failedAt = clock.now().getTime();
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      await advance(
        Math.max(0, ((await row('growing'))?.nextAttemptAt.getTime() ?? 0) - clock.now().getTime()),
      );
      const next = (await row('growing'))!.nextAttemptAt.getTime();
      gaps.push(next - failedAt);
      failedAt = next;
    }
    expect(gaps).toEqual([1000, 2000, 4000, 8000]);
  });

  it('dead-letters a non-retryable failure at once and calls the hook', async () => {
    failures.push(new DeliveryError('12345 rejected the ticket: missing phone', { retryable: false }));
    await runner.enqueue({ kind: 'wecom.send', payload: { ticket: 1 }, idempotencyKey: 'ticket:c9' });
    await advance(0);
    await advance(10_000);
    expect(sent).toEqual([]);
    expect(await row('ticket:c9')).toMatchObject({
      status: 'dead',
      attempts: 1,
      lastError: '12345 rejected the ticket: missing phone',
    });
    expect(dead).toEqual([
      expect.objectContaining({
        idempotencyKey: 'ticket:c9',
        kind: 'wecom.send',
        payload: { ticket: 1 },
        attempts: 1,
        lastError: '12345 rejected the ticket: missing phone',
      }),
    ]);
  });

  it('dead-letters after maxAttempts and calls the hook once', async () => {
    await runner.stop();
    await startRunner({ maxAttempts: 3 });
    failures.push(...Array.from({ length: 10 }, () => new Error('still down')));
    await runner.enqueue({ kind: 'wecom.send', payload: 'y', idempotencyKey: 'always-failing' });
    await advance(0);
    await advance(20_000);
    expect(await row('always-failing')).toMatchObject({
      status: 'dead',
      attempts: 3,
      lastError: 'still down',
    });
    expect(dead.map((d) => [d.idempotencyKey, d.attempts])).toEqual([['always-failing', 3]]);
    expect(failures).toHaveLength(7);
  });

  it('recovers a message a crashed instance left in sending, after its lease', async () => {
    await runner.stop();
    await enqueueOutbox(
      test.database.db,
      { kind: 'wecom.send', payload: 'orphan', idempotencyKey: 'orphan' },
      clock,
    );
    await claimReadyMessages(test.database.db, T0, 10, 'crashed-instance', at(30_000));
    await startRunner();
    await advance(29_999);
    expect(sent).toEqual([]);
    await advance(1);
    expect(sent).toEqual([{ payload: 'orphan', attempt: 2, key: 'orphan' }]);
  });

  it('enqueues inside a transaction: nothing is sent if it rolls back', async () => {
    await test.database.db
      .transaction(async (tx) => {
        await runner.enqueue(
          { kind: 'wecom.send', payload: 'no', idempotencyKey: 'rolled-back' },
          { db: tx },
        );
        throw new Error('rollback');
      })
      .catch(() => undefined);
    await advance(5000);
    expect(sent).toEqual([]);
    expect(await row('rolled-back')).toBeUndefined();
  });
});

describe.skipIf(!hasPostgres)(
  'two OutboxRunners sharing one PostgreSQL database (skipped: set TEST_DATABASE_URL to run)',
  () => {
    let first: TestDatabase;
    let second: Database;
    beforeAll(async () => {
      first = await createTestDatabase('postgres');
      second = await openDatabase({ databaseUrl: first.url, dataDir: os.tmpdir() });
    });
    afterAll(async () => {
      await second?.close();
      await first?.cleanup();
    });

    it('delivers every message exactly once between them, including retried ones', async () => {
      const deliveries: { owner: string; key: string }[] = [];
      const failedOnce = new Set<string>();
      const runners = [first, second].map((database, i) => {
        const runner = new OutboxRunner({
          database,
          owner: `instance-${i}`,
          batchSize: 10,
          sweepIntervalMs: 250,
          backoff: { baseMs: 20, maxMs: 100 },
        });
        return runner.register<{ n: number }>('wecom.send', async (payload, context) => {
          await new Promise((resolve) => setTimeout(resolve, 2));
          // Every tenth message fails once, so retries are shared between the instances too.
          if (payload.n % 10 === 0 && !failedOnce.has(context.idempotencyKey)) {
            failedOnce.add(context.idempotencyKey);
            throw new Error('temporary');
          }
          deliveries.push({ owner: runner.owner, key: context.idempotencyKey });
        });
      });
      await Promise.all(runners.map((r) => r.start()));
      const count = 200;
      for (let n = 0; n < count; n += 1) {
        await runners[n % 2]!.enqueue({ kind: 'wecom.send', payload: { n }, idempotencyKey: `two:${n}` });
      }
      await expectRowCountEventually(first.db, outbox, eq(outbox.status, 'delivered'), count);
      await Promise.all(runners.map((r) => r.stop()));
      expect(deliveries).toHaveLength(count);
      expect(new Set(deliveries.map((d) => d.key)).size).toBe(count);
      expect(new Set(deliveries.map((d) => d.owner)).size).toBe(2);
    });
  },
);

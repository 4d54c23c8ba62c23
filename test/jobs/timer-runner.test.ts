import os from 'node:os';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { ManualScheduler } from '../../src/jobs/scheduler.ts';
import { TimerRunner, type FiringTimer, type TimerRunnerOptions } from '../../src/jobs/timer-runner.ts';
import { claimDueTimers, markTimersFired, scheduleTimer } from '../../src/jobs/timer-store.ts';
import type { Database } from '../../src/storage/database.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import { timers } from '../../src/storage/schema/index.ts';
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

describe.each(backends)('TimerRunner on %s (injected clock)', (backend) => {
  const test = useTestDatabase(backend);
  let clock: ManualClock;
  let scheduler: ManualScheduler;
  let runner: TimerRunner;
  let fired: FiringTimer[];
  let failNext: number;

  function newRunner(options: Partial<TimerRunnerOptions> = {}): TimerRunner {
    return new TimerRunner({
      database: test.database,
      clock,
      scheduler,
      random: () => 1,
      listen: false,
      ...options,
    });
  }
  async function startRunner(options: Partial<TimerRunnerOptions> = {}): Promise<void> {
    runner = newRunner(options).register('remind', (timer) => {
      if (failNext > 0) {
        failNext -= 1;
        throw new Error('helper notification failed');
      }
      fired.push(timer);
    });
    await runner.start();
    await runner.idle();
  }
  const advance = (ms: number) => advanceRunner(runner, scheduler, clock, ms);
  const row = async (key: string) =>
    (await test.database.db.select().from(timers).where(eq(timers.key, key)))[0];

  beforeEach(async () => {
    await test.database.db.delete(timers);
    clock = new ManualClock(T0);
    scheduler = new ManualScheduler(clock);
    fired = [];
    failNext = 0;
    await startRunner();
  });
  afterEach(async () => {
    await runner.stop();
  });

  it('fires at the due time and not before, with its payload', async () => {
    await runner.schedule({
      key: 'remind:c1',
      kind: 'remind',
      dueAt: at(5000),
      payload: { conversationId: 'c1' },
    });
    await advance(4999);
    expect(fired).toEqual([]);
    await advance(1);
    expect(fired).toEqual([
      { key: 'remind:c1', kind: 'remind', dueAt: at(5000), payload: { conversationId: 'c1' }, attempt: 1 },
    ]);
    expect(await row('remind:c1')).toMatchObject({ status: 'fired', firedAt: at(5000), lockedBy: null });
  });

  it('wakes at the due time itself, not at the next sweep', async () => {
    await runner.stop();
    await startRunner({ sweepIntervalMs: 60_000 });
    await runner.schedule({ key: 'remind:soon', kind: 'remind', dueAt: at(1234) });
    expect(scheduler.nextAt).toEqual(at(1234));
    await advance(1234);
    expect(fired.map((t) => t.key)).toEqual(['remind:soon']);
  });

  it('fires timers in due order', async () => {
    for (const [key, ms] of [
      ['b', 300],
      ['a', 100],
      ['c', 200],
    ] as const)
      await runner.schedule({ key, kind: 'remind', dueAt: at(ms) });
    await advance(1000);
    expect(fired.map((t) => t.key)).toEqual(['a', 'c', 'b']);
  });

  it("keeps the first schedule of a key (mode 'keep'), and a fired key never fires again", async () => {
    expect(await runner.schedule({ key: 'k', kind: 'remind', dueAt: at(100), payload: 1 })).toEqual({
      scheduled: true,
    });
    expect(await runner.schedule({ key: 'k', kind: 'remind', dueAt: at(50), payload: 2 })).toEqual({
      scheduled: false,
    });
    await advance(100);
    expect(fired.map((t) => [t.dueAt, t.payload])).toEqual([[at(100), 1]]);
    expect(await runner.schedule({ key: 'k', kind: 'remind', dueAt: at(200) })).toEqual({ scheduled: false });
    await advance(1000);
    expect(fired).toHaveLength(1);
  });

  it("re-arms a key with mode 'replace', which fires once at the new time", async () => {
    await runner.schedule({ key: 'idle:c2', kind: 'remind', dueAt: at(100) });
    await runner.schedule(
      { key: 'idle:c2', kind: 'remind', dueAt: at(500), payload: 'later' },
      { mode: 'replace' },
    );
    await advance(499);
    expect(fired).toEqual([]);
    await advance(1);
    expect(fired.map((t) => [t.key, t.dueAt, t.payload])).toEqual([['idle:c2', at(500), 'later']]);
    await runner.schedule({ key: 'idle:c2', kind: 'remind', dueAt: at(800) }, { mode: 'replace' });
    await advance(300);
    expect(fired).toHaveLength(2);
  });

  it('schedules several timers in one call, each key once', async () => {
    const remind = (key: string, ms: number, payload?: string) => ({
      key,
      kind: 'remind',
      dueAt: at(ms),
      payload,
    });
    expect(
      await runner.scheduleMany([remind('m:30', 300), remind('m:50', 500), remind('m:30', 100)]),
    ).toEqual({ scheduled: 2 });
    expect(await runner.scheduleMany([remind('m:30', 50), remind('m:60', 600)])).toEqual({ scheduled: 1 });
    const replaced = await runner.scheduleMany([remind('m:50', 900, 'old'), remind('m:50', 200, 'new')], {
      mode: 'replace',
    });
    expect(replaced).toEqual({ scheduled: 1 });
    await advance(1000);
    expect(fired.map((t) => [t.key, t.dueAt, t.payload])).toEqual([
      ['m:50', at(200), 'new'],
      ['m:30', at(300), {}], // no payload → {}
      ['m:60', at(600), {}],
    ]);
  });

  it('cancels by key and by prefix; cancelled timers never fire', async () => {
    for (const key of ['sla:c3:remind30', 'sla:c3:remind50', 'sla:c4:remind30', 'other']) {
      await runner.schedule({ key, kind: 'remind', dueAt: at(1000) });
    }
    expect(await runner.cancel('other')).toBe(true);
    expect(await runner.cancel('other')).toBe(false);
    expect(await runner.cancel('missing')).toBe(false);
    expect(await runner.cancelByPrefix('sla:c3:')).toBe(2);
    await advance(2000);
    expect(fired.map((t) => t.key)).toEqual(['sla:c4:remind30']);
    expect((await row('sla:c3:remind50'))?.status).toBe('cancelled');
  });

  it('retries a handler that throws, after the backoff delay', async () => {
    failNext = 1;
    await runner.schedule({ key: 'flaky', kind: 'remind', dueAt: at(100) });
    await advance(100);
    expect(fired).toEqual([]);
    expect(await row('flaky')).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'helper notification failed',
    });
    await advance(999); // backoff: 1 s for the first retry (jitter fixed at its maximum)
    expect(fired).toEqual([]);
    await advance(1);
    expect(fired.map((t) => [t.key, t.attempt])).toEqual([['flaky', 2]]);
    expect(await row('flaky')).toMatchObject({ status: 'fired', attempts: 2, firedAt: at(1100) });
  });

  it('gives up after maxAttempts and marks the timer failed', async () => {
    await runner.stop();
    await startRunner({ maxAttempts: 2 });
    failNext = 5;
    await runner.schedule({ key: 'doomed', kind: 'remind', dueAt: at(0) });
    await advance(10_000);
    expect(fired).toEqual([]);
    expect(await row('doomed')).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastError: 'helper notification failed',
    });
  });

  it('hands timers of a batch kind over together, and retries those the batch reports failed', async () => {
    const calls: string[][] = [];
    runner.registerBatch<{ n: number }>('wave', async (batch) => {
      calls.push(batch.map((t) => t.key).sort());
      return batch.map((t) => (t.payload.n === 2 && t.attempt === 1 ? 'second one failed' : null));
    });
    await runner.scheduleMany(
      [1, 2, 3].map((n) => ({ key: `wave-${n}`, kind: 'wave', dueAt: at(100), payload: { n } })),
    );
    await runner.schedule({ key: 'single', kind: 'remind', dueAt: at(100) });
    await advance(100);
    expect(calls).toEqual([['wave-1', 'wave-2', 'wave-3']]);
    expect(fired.map((t) => t.key)).toEqual(['single']);
    expect(await row('wave-1')).toMatchObject({ status: 'fired' });
    expect(await row('wave-2')).toMatchObject({ status: 'pending', lastError: 'second one failed' });
    await advance(1000);
    expect(calls).toEqual([['wave-1', 'wave-2', 'wave-3'], ['wave-2']]);
    expect(await row('wave-2')).toMatchObject({ status: 'fired', attempts: 2 });
  });

  it('fails every timer of a batch whose handler throws, and refuses a second handler for a kind', async () => {
    runner.registerBatch('storm', async () => {
      throw new Error('database went away');
    });
    expect(() => runner.register('storm', () => undefined)).toThrow(/already registered/);
    await runner.scheduleMany(['a', 'b'].map((k) => ({ key: `storm-${k}`, kind: 'storm', dueAt: at(0) })));
    await advance(0);
    for (const key of ['storm-a', 'storm-b'])
      expect(await row(key)).toMatchObject({ status: 'pending', lastError: 'database went away' });
  });

  it('retries a timer whose kind has no handler, saying so', async () => {
    await runner.schedule({ key: 'mystery', kind: 'unknown-kind', dueAt: at(0) });
    await advance(0);
    expect(await row('mystery')).toMatchObject({
      status: 'pending',
      lastError: "no handler registered for timer kind 'unknown-kind'",
    });
  });

  it('fires after a restart what came due while no runner ran', async () => {
    await runner.stop();
    await scheduleTimer(test.database.db, { key: 'while-down', kind: 'remind', dueAt: at(100) });
    clock.advance(60_000);
    await startRunner();
    expect(fired.map((t) => t.key)).toEqual(['while-down']);
  });

  it("recovers a crashed instance's claim once its lease runs out, and ignores the dead owner's late write", async () => {
    await runner.stop();
    await scheduleTimer(test.database.db, { key: 'orphan', kind: 'remind', dueAt: at(0) });
    const [claim] = await claimDueTimers(test.database.db, at(0), 10, 'crashed-instance', at(30_000));
    expect(claim?.key).toBe('orphan');
    await startRunner();
    await advance(29_999);
    expect(fired).toEqual([]);
    await advance(1);
    expect(fired.map((t) => [t.key, t.attempt])).toEqual([['orphan', 2]]);
    await markTimersFired(test.database.db, [claim!.id], 'crashed-instance', at(40_000));
    expect((await row('orphan'))?.firedAt).toEqual(at(30_000));
  });

  it('ignores a schedule whose transaction rolled back', async () => {
    await test.database.db
      .transaction(async (tx) => {
        await runner.schedule({ key: 'rolled-back', kind: 'remind', dueAt: at(10) }, { db: tx });
        throw new Error('the conversation update failed');
      })
      .catch(() => undefined);
    await advance(5000);
    expect(fired).toEqual([]);
    expect(await row('rolled-back')).toBeUndefined();
  });

  it('wakes on the NOTIFY of a timer committed by another writer', async () => {
    await runner.stop();
    await startRunner({ listen: true, sweepIntervalMs: 60_000 });
    expect(scheduler.nextAt).toEqual(at(60_000));
    await test.database.db.transaction(async (tx) => {
      await scheduleTimer(tx, { key: 'from-elsewhere', kind: 'remind', dueAt: at(250) });
    });
    await expect.poll(() => scheduler.nextAt, { timeout: 2000 }).toEqual(at(250));
    await advance(250);
    expect(fired.map((t) => t.key)).toEqual(['from-elsewhere']);
  });
});

describe.skipIf(!hasPostgres)(
  'two TimerRunners sharing one PostgreSQL database (skipped: set TEST_DATABASE_URL to run)',
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

    it('fires every timer exactly once between them', async () => {
      const calls: { owner: string; key: string }[] = [];
      const runners = [first, second].map((database, i) => {
        const runner = new TimerRunner({
          database,
          owner: `instance-${i}`,
          batchSize: 10,
          sweepIntervalMs: 250,
        });
        return runner.register('remind', async (timer) => {
          calls.push({ owner: runner.owner, key: timer.key });
          await new Promise((resolve) => setTimeout(resolve, 2)); // overlap the two instances' batches
        });
      });
      await Promise.all(runners.map((r) => r.start()));
      const count = 300;
      const start = Date.now() + 1500; // after all 300 are written
      for (let i = 0; i < count; i += 1) {
        const runner = runners[i % 2]!;
        await runner.schedule({ key: `two:${i}`, kind: 'remind', dueAt: new Date(start + (i % 50) * 12) });
      }
      await expectRowCountEventually(first.db, timers, eq(timers.status, 'fired'), count);
      await Promise.all(runners.map((r) => r.stop()));
      expect(calls).toHaveLength(count);
      expect(new Set(calls.map((c) => c.key)).size).toBe(count);
      expect(new Set(calls.map((c) => c.owner)).size).toBe(2);
    });
  },
);

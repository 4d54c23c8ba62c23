import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { DueWorkLoop, type DueWorkSource } from '../../src/jobs/due-work-loop.ts';
import { systemScheduler } from '../../src/jobs/scheduler.ts';

/** Rows due at given instants; the first batch is held until `release()`. */
function heldSource(dueAt: number[]) {
  const pending = [...dueAt];
  const claimed: { at: number; rows: number[] }[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  const source: DueWorkSource = {
    async claimAndProcess(now, limit) {
      const due = pending.filter((at) => at <= now.getTime()).slice(0, limit);
      for (const at of due) pending.splice(pending.indexOf(at), 1);
      if (due.length === 0) return 0;
      claimed.push({ at: Date.now(), rows: due });
      if (first) {
        first = false;
        await gate;
      }
      return due.length;
    },
    async nextReadyAt() {
      return pending.length === 0 ? null : new Date(Math.min(...pending));
    },
  };
  return { source, claimed, release };
}

const loop = (source: DueWorkSource, lanes: number) =>
  new DueWorkLoop({
    name: 'test',
    source,
    clock: systemClock,
    scheduler: systemScheduler,
    batchSize: 10,
    sweepIntervalMs: 1000,
    lanes,
    logger: { warn() {}, error() {} },
  });

describe('DueWorkLoop lanes', () => {
  it('with two lanes, claims a row that falls due while the other lane is still handling its batch', async () => {
    const now = Date.now();
    const { source, claimed, release } = heldSource([now - 1, now + 30]);
    const running = loop(source, 2).runNow();
    await expect.poll(() => claimed.length, { timeout: 2000 }).toBe(2);
    release();
    expect(await running).toBe(2);
    expect(claimed.map((c) => c.rows.length)).toEqual([1, 1]);
  });

  it('with one lane, the next row waits for the batch in hand', async () => {
    const now = Date.now();
    const { source, claimed, release } = heldSource([now - 1, now + 30]);
    const running = loop(source, 1).runNow();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(claimed).toHaveLength(1);
    release();
    await running;
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { ManualScheduler } from '../../src/jobs/scheduler.ts';

describe('ManualScheduler', () => {
  it('runs callbacks in time order, with the clock at each callback time', () => {
    const clock = new ManualClock('2026-11-27T02:00:00Z');
    const scheduler = new ManualScheduler(clock);
    const seen: string[] = [];
    scheduler.after(300, () => seen.push(`b@${clock.now().toISOString()}`));
    scheduler.after(100, () => seen.push(`a@${clock.now().toISOString()}`));
    scheduler.advance(200);
    expect(seen).toEqual(['a@2026-11-27T02:00:00.100Z']);
    scheduler.advance(200);
    expect(seen).toEqual(['a@2026-11-27T02:00:00.100Z', 'b@2026-11-27T02:00:00.300Z']);
    expect(clock.now().toISOString()).toBe('2026-11-27T02:00:00.400Z');
  });

  it('forgets cancelled callbacks and runs ones scheduled from inside a callback if due', () => {
    const clock = new ManualClock();
    const scheduler = new ManualScheduler(clock);
    const seen: string[] = [];
    const cancel = scheduler.after(50, () => seen.push('cancelled'));
    scheduler.after(10, () => scheduler.after(10, () => seen.push('chained')));
    cancel();
    scheduler.advance(100);
    expect(seen).toEqual(['chained']);
    expect(scheduler.nextAt).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/jobs/backoff.ts';

const policy = { baseMs: 1000, maxMs: 60_000 };

describe('backoffDelayMs', () => {
  it('doubles with each failed attempt until the ceiling', () => {
    const withoutJitter = [1, 2, 3, 4, 7, 8, 20].map((attempt) => backoffDelayMs(attempt, policy, () => 1));
    expect(withoutJitter).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
  });

  it('keeps at least half the delay whatever the jitter', () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(2000);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(3000);
  });

  it('spreads retries of instances that failed together', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelayMs(5, policy)));
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(8000);
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { createRateLimiter } from '../../src/desk/rate-limiter.ts';

describe('rate limiter', () => {
  it('allows the limit per window, then says how long to wait, then starts over', () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000, clock });
    expect(limiter.consume('a').allowed).toBe(true);
    expect(limiter.consume('a').allowed).toBe(true);
    clock.advance(15_000);
    expect(limiter.consume('a')).toEqual({ allowed: false, retryAfterSeconds: 45 });
    expect(limiter.consume('b').allowed).toBe(true);
    clock.advance(45_000);
    expect(limiter.consume('a').allowed).toBe(true);
  });

  it('peeks without counting and forgets a key on reset', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000, clock: new ManualClock() });
    expect(limiter.peek('a').allowed).toBe(true);
    expect(limiter.peek('a').allowed).toBe(true);
    limiter.consume('a');
    expect(limiter.peek('a').allowed).toBe(false);
    limiter.reset('a');
    expect(limiter.peek('a').allowed).toBe(true);
  });

  it('keeps at most maxKeys windows', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, clock: new ManualClock(), maxKeys: 2 });
    limiter.consume('a');
    limiter.consume('b');
    limiter.consume('c');
    expect(limiter.peek('a').allowed).toBe(true);
    expect(limiter.peek('c').allowed).toBe(false);
  });
});

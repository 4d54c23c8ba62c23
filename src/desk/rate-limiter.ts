import type { Clock } from '../ports.ts';

export interface RateLimiterOptions {
  /** Hits allowed per key in one window. */
  limit: number;
  windowMs: number;
  clock: Clock;
  /** Keys tracked at most; the oldest windows are dropped first (a flood of keys cannot grow memory). */
  maxKeys?: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until the key's window ends (for `Retry-After`); 0 when allowed. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one hit for `key` and says whether it was within the limit. */
  consume(key: string): RateDecision;
  /** Says whether a hit would be allowed, without counting it. */
  peek(key: string): RateDecision;
  reset(key: string): void;
}

interface Window {
  startedAt: number;
  count: number;
}

/**
 * Fixed-window counters in memory, per instance. Good enough for abuse control (a few instances
 * multiply the limit by at most their number); nothing here is a quota anyone is billed by.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const windows = new Map<string, Window>();
  const maxKeys = options.maxKeys ?? 50_000;

  const current = (key: string, now: number): Window | undefined => {
    const window = windows.get(key);
    if (window && now - window.startedAt >= options.windowMs) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };

  const decide = (window: Window | undefined, now: number, extra: number): RateDecision => {
    const count = (window?.count ?? 0) + extra;
    if (count <= options.limit) return { allowed: true, retryAfterSeconds: 0 };
    const endsAt = (window?.startedAt ?? now) + options.windowMs;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((endsAt - now) / 1000)) };
  };

  return {
    consume(key) {
      const now = options.clock.now().getTime();
      let window = current(key, now);
      if (!window) {
        if (windows.size >= maxKeys) {
          const oldest = windows.keys().next();
          if (!oldest.done) windows.delete(oldest.value);
        }
        window = { startedAt: now, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      return decide(window, now, 0);
    },
    peek(key) {
      const now = options.clock.now().getTime();
      return decide(current(key, now), now, 1);
    },
    reset(key) {
      windows.delete(key);
    },
  };
}

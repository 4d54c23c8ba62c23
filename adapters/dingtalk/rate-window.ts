import type { Clock } from '../../src/ports.ts';

/**
 * A token bucket per key whose tokens come back exactly one minute after they are spent, so no
 * sliding minute ever sees more than `perMinute` sends — DingTalk's custom robot allows 20 a
 * minute and blocks the robot for 10 minutes past that (protocols/dingtalk.md §2.4). In process memory: with several
 * instances each keeps its own count, so give each a share of the limit (`perMinute`) if needed.
 */
export class RateWindow {
  readonly #perMinute: number;
  readonly #clock: Clock;
  readonly #spent = new Map<string, number[]>();

  constructor(perMinute: number, clock: Clock) {
    this.#perMinute = perMinute;
    this.#clock = clock;
  }

  /** Milliseconds until `key` has a token (0: now). */
  waitMs(key: string): number {
    const recent = this.#recent(key);
    if (recent.length < this.#perMinute) return 0;
    return recent[0]! + 60_000 - this.#clock.now().getTime();
  }

  /** Spends a token; false (and nothing spent) when none is left. */
  take(key: string): boolean {
    const recent = this.#recent(key);
    if (recent.length >= this.#perMinute) return false;
    recent.push(this.#clock.now().getTime());
    return true;
  }

  #recent(key: string): number[] {
    const now = this.#clock.now().getTime();
    const kept = (this.#spent.get(key) ?? []).filter((at) => now - at < 60_000);
    this.#spent.set(key, kept);
    return kept;
  }
}

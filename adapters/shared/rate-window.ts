import type { Clock } from '../../src/ports.ts';

/** Takes a send slot for a key: 0 when taken, else the milliseconds until one may be free. */
export interface SlotTaker {
  tryTake(key: string): Promise<number> | number;
}

/**
 * A token bucket per key whose tokens come back exactly one minute after they are spent, so no
 * sliding minute ever sees more than `perMinute` sends — the way WeCom counts its limits (30 app
 * messages per member, 20 per group robot, doc 90454 / 91770) and DingTalk its robots' (20 a
 * minute). In process memory: with several instances use a shared counter instead (WeCom's
 * DbRateWindow in adapters/wecom/db-rate-window.ts).
 */
export class RateWindow implements SlotTaker {
  readonly #limitOf: (key: string) => number;
  readonly #clock: Clock;
  readonly #spent = new Map<string, number[]>();

  /** `perMinute`: one limit for every key, or a limit per key. */
  constructor(perMinute: number | ((key: string) => number), clock: Clock) {
    this.#limitOf = typeof perMinute === 'number' ? () => perMinute : perMinute;
    this.#clock = clock;
  }

  /** Milliseconds until `key` has a token (0: now). */
  waitMs(key: string): number {
    const recent = this.#recent(key);
    if (recent.length < this.#limitOf(key)) return 0;
    return recent[0]! + 60_000 - this.#clock.now().getTime();
  }

  /** Spends a token; false (and nothing spent) when none is left. */
  take(key: string): boolean {
    const recent = this.#recent(key);
    if (recent.length >= this.#limitOf(key)) return false;
    recent.push(this.#clock.now().getTime());
    return true;
  }

  tryTake(key: string): number {
    return this.take(key) ? 0 : Math.max(this.waitMs(key), 1);
  }

  #recent(key: string): number[] {
    const now = this.#clock.now().getTime();
    const kept = (this.#spent.get(key) ?? []).filter((at) => now - at < 60_000);
    this.#spent.set(key, kept);
    return kept;
  }
}

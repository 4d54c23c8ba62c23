import type { ManualClock } from '../clock.ts';

/**
 * Waiting, injected next to the Clock: the runners never call setTimeout themselves, so tests
 * drive them with a ManualClock + ManualScheduler and nothing depends on real time passing.
 */
export interface Scheduler {
  /** Calls `fn` once after `ms` milliseconds; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const systemScheduler: Scheduler = {
  after(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    // The runners must not keep a finished CLI command or test worker alive.
    handle.unref();
    return () => clearTimeout(handle);
  },
};

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/** A scheduler for tests: callbacks run only when `advance`/`runDue` moves its ManualClock. */
export class ManualScheduler implements Scheduler {
  readonly #clock: ManualClock;
  #pending: Pending[] = [];
  #seq = 0;

  constructor(clock: ManualClock) {
    this.#clock = clock;
  }

  after(ms: number, fn: () => void): () => void {
    const entry: Pending = { at: this.#clock.now().getTime() + Math.max(0, ms), seq: this.#seq++, fn };
    this.#pending.push(entry);
    return () => {
      this.#pending = this.#pending.filter((p) => p !== entry);
    };
  }

  /** Moves the clock forward by `ms`, stopping at each callback's time to run it in order. */
  advance(ms: number): void {
    const target = this.#clock.now().getTime() + ms;
    for (let next = this.#nextDue(target); next; next = this.#nextDue(target)) {
      this.#pending = this.#pending.filter((p) => p !== next);
      if (next.at > this.#clock.now().getTime()) this.#clock.set(next.at);
      next.fn();
    }
    this.#clock.set(target);
  }

  /** Runs callbacks already due at the clock's current time. */
  runDue(): void {
    this.advance(0);
  }

  /** When the earliest waiting callback is due, or null. */
  get nextAt(): Date | null {
    const first = this.#sorted()[0];
    return first ? new Date(first.at) : null;
  }

  #nextDue(target: number): Pending | undefined {
    const first = this.#sorted()[0];
    return first && first.at <= target ? first : undefined;
  }

  #sorted(): Pending[] {
    return [...this.#pending].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}

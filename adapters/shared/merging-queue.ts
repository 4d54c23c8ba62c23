import { DeliveryError } from '../../src/jobs/outbox-runner.ts';
import type { Clock } from '../../src/ports.ts';
import type { SlotTaker } from './rate-window.ts';

/**
 * Sends per key (a member, a robot) within a rate window (in process, or shared in the database).
 * While a key waits for a token, what piles up behind it is merged into one message where `merge`
 * allows (texts to the same person), because the platforms drop or block past their limits (WeCom
 * drops app messages past 30/min per member; DingTalk blocks a custom robot for 10 minutes past
 * 20/min): merging keeps every reminder without tripping the limit. Each caller's promise settles
 * with the send that carried its item.
 */
export interface MergingQueueOptions<T> {
  /** For error messages: 'WeCom', 'DingTalk'. */
  platform: string;
  window: SlotTaker;
  clock: Clock;
  /** One message combining `a` then `b`, or null when they cannot travel together. */
  merge(a: T, b: T): T | null;
  send(key: string, item: T): Promise<void>;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Longest an item waits for a token (default 20 s, under the outbox lease of 30 s); past it the
   * item fails as retryable and the outbox tries again later rather than holding its lease.
   */
  maxWaitMs?: number;
}

interface Waiting<T> {
  item: T;
  since: number;
  resolve(): void;
  reject(error: unknown): void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class MergingQueue<T> {
  readonly #options: MergingQueueOptions<T>;
  readonly #queues = new Map<string, Waiting<T>[]>();
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #maxWaitMs: number;

  constructor(options: MergingQueueOptions<T>) {
    this.#options = options;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#maxWaitMs = options.maxWaitMs ?? 20_000;
  }

  send(key: string, item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queue = this.#queues.get(key);
      const waiting = { item, since: this.#options.clock.now().getTime(), resolve, reject };
      if (queue) {
        queue.push(waiting);
        return;
      }
      this.#queues.set(key, [waiting]);
      void this.#drain(key);
    });
  }

  async #drain(key: string): Promise<void> {
    const queue = this.#queues.get(key)!;
    while (queue.length > 0) {
      let wait: number;
      try {
        wait = await this.#options.window.tryTake(key);
      } catch (error) {
        // The shared counter is unreachable: fail what waits (retryable), the outbox tries later.
        for (const waiting of queue.splice(0)) waiting.reject(error);
        break;
      }
      if (wait > 0) {
        this.#expire(queue);
        if (queue.length === 0) break;
        await this.#sleep(Math.min(wait, 1000));
        continue;
      }
      const batch = this.#takeBatch(queue);
      try {
        await this.#options.send(key, batch.item);
        for (const waiting of batch.members) waiting.resolve();
      } catch (error) {
        for (const waiting of batch.members) waiting.reject(error);
      }
    }
    this.#queues.delete(key);
  }

  #takeBatch(queue: Waiting<T>[]): { item: T; members: Waiting<T>[] } {
    const first = queue.shift()!;
    let item = first.item;
    const members = [first];
    while (queue.length > 0) {
      const merged = this.#options.merge(item, queue[0]!.item);
      if (merged === null) break;
      item = merged;
      members.push(queue.shift()!);
    }
    return { item, members };
  }

  #expire(queue: Waiting<T>[]): void {
    const now = this.#options.clock.now().getTime();
    for (let i = queue.length - 1; i >= 0; i -= 1) {
      const waiting = queue[i]!;
      if (now - waiting.since < this.#maxWaitMs) continue;
      queue.splice(i, 1);
      waiting.reject(
        new DeliveryError(`${this.#options.platform} rate limit: still no send slot, try later`, {
          retryable: true,
        }),
      );
    }
  }
}

/**
 * Callbacks waiting to answer a citizen with a passive reply (protocols §6.4: within 5 s, free of the
 * custom-message quota). While a callback for an openid waits, what the flows send that citizen is
 * handed to it instead of the custom-message API; once it stops waiting (answer ready or time up)
 * everything goes the custom way. Single-threaded hand-over: a message is taken by exactly one path.
 */
import type { CitizenAddress, OutboundMessage } from '../../src/ports.ts';

export interface PendingReply {
  to: CitizenAddress;
  message: OutboundMessage;
}

export class ReplyWaiter {
  readonly openId: string;
  readonly collected: PendingReply[] = [];
  /** Resolves when the first message arrives. */
  readonly firstMessage: Promise<void>;
  #resolveFirst!: () => void;
  #open = true;

  constructor(openId: string) {
    this.openId = openId;
    this.firstMessage = new Promise((resolve) => (this.#resolveFirst = resolve));
  }

  get isOpen(): boolean {
    return this.#open;
  }

  take(reply: PendingReply): void {
    this.collected.push(reply);
    this.#resolveFirst();
  }

  close(): PendingReply[] {
    this.#open = false;
    this.#resolveFirst();
    return this.collected.splice(0);
  }
}

export class PassiveReplies {
  /** Per openid, oldest first: a citizen's second quick message waits behind the first. */
  readonly #waiters = new Map<string, ReplyWaiter[]>();

  open(openId: string): ReplyWaiter {
    const waiter = new ReplyWaiter(openId);
    const list = this.#waiters.get(openId);
    if (list) list.push(waiter);
    else this.#waiters.set(openId, [waiter]);
    return waiter;
  }

  /** Hands the message to the oldest waiting callback of this citizen; false when none waits. */
  offer(reply: PendingReply): boolean {
    const waiter = this.#waiters.get(reply.to.citizenUserId)?.[0];
    if (!waiter) return false;
    waiter.take(reply);
    return true;
  }

  /** Stops waiting; returns what was handed over (from now on offers go elsewhere). */
  close(waiter: ReplyWaiter): PendingReply[] {
    const list = this.#waiters.get(waiter.openId);
    if (list) {
      const rest = list.filter((w) => w !== waiter);
      if (rest.length > 0) this.#waiters.set(waiter.openId, rest);
      else this.#waiters.delete(waiter.openId);
    }
    return waiter.close();
  }

  /** Callbacks waiting right now (metrics, tests). */
  get size(): number {
    let n = 0;
    for (const list of this.#waiters.values()) n += list.length;
    return n;
  }
}

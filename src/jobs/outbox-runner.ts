import type { Db } from '../storage/database.ts';
import { backoffDelayMs } from './backoff.ts';
import { DurableRunner, type DurableRunnerOptions } from './durable-runner.ts';
import {
  claimReadyMessages,
  enqueueOutbox,
  markDead,
  markDelivered,
  markRetry,
  nextOutboxReadyAt,
  OUTBOX_CHANNEL,
  type ClaimedMessage,
  type EnqueueInput,
} from './outbox-store.ts';
import { errorMessage, runWithTimeout } from './run-with-timeout.ts';

/** What a deliverer learns besides the payload. */
export interface DeliveryContext {
  kind: string;
  idempotencyKey: string;
  /** 1 on the first try. */
  attempt: number;
}

/**
 * Sends one message. Throw to fail: an error with `retryable: false` (e.g. TicketGatewayError,
 * DeliveryError) goes straight to `dead`; any other error is retried with backoff. Called at
 * least once per message, so pass `idempotencyKey` on to platforms that dedupe.
 */
export type Deliverer<P = unknown> = (payload: P, context: DeliveryContext) => Promise<void>;

/** A failure that says whether trying again can help. */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeliveryError';
    this.retryable = options.retryable;
  }
}

/** Errors are retryable unless they say otherwise. */
export function isRetryable(error: unknown): boolean {
  const flag = (error as { retryable?: unknown } | null)?.retryable;
  return typeof flag === 'boolean' ? flag : true;
}

export interface DeadLetter {
  id: number;
  kind: string;
  payload: unknown;
  idempotencyKey: string;
  attempts: number;
  lastError: string;
}

export interface OutboxRunnerOptions extends DurableRunnerOptions {
  /** Called once when a message is given up (non-retryable error or maxAttempts reached). */
  onDeadLetter?: (message: DeadLetter) => Promise<void> | void;
}

type Outcome = { ok: true } | { ok: false; error: string; retryable: boolean };

/** Delivers outbox rows at least once, retrying with backoff and jitter, then dead-lettering. */
export class OutboxRunner extends DurableRunner {
  readonly #deliverers = new Map<string, Deliverer>();
  readonly #onDeadLetter: OutboxRunnerOptions['onDeadLetter'];

  constructor(options: OutboxRunnerOptions) {
    super('outbox', OUTBOX_CHANNEL, 15, options);
    this.#onDeadLetter = options.onDeadLetter;
  }

  /** Sets the deliverer for `kind` (one per kind). */
  register<P>(kind: string, deliverer: Deliverer<P>): this {
    if (this.#deliverers.has(kind))
      throw new Error(`an outbox deliverer for '${kind}' is already registered`);
    this.#deliverers.set(kind, deliverer as Deliverer);
    return this;
  }

  /** Enqueues in `db` (your transaction) or the runner's database; a repeated key does nothing. */
  async enqueue(input: EnqueueInput, options: { db?: Db } = {}): Promise<{ enqueued: boolean }> {
    const result = await enqueueOutbox(options.db ?? this.options.database.db, input, this.options.clock);
    if (result.enqueued) this.nudge(input.notBefore ?? this.options.clock.now());
    return result;
  }

  protected async claimAndProcess(now: Date, limit: number): Promise<number> {
    const { database, owner, leaseMs, clock } = this.options;
    const claimed = await claimReadyMessages(
      database.db,
      now,
      limit,
      owner,
      new Date(now.getTime() + leaseMs),
    );
    if (claimed.length === 0) return 0;
    const outcomes = await Promise.all(claimed.map((message) => this.#deliver(message)));
    const delivered = claimed.filter((_, i) => outcomes[i]?.ok).map((message) => message.id);
    await markDelivered(database.db, delivered, owner, clock.now());
    for (const [i, message] of claimed.entries()) {
      const outcome = outcomes[i];
      if (outcome && !outcome.ok) await this.#recordFailure(message, outcome.error, outcome.retryable);
    }
    return claimed.length;
  }

  protected nextReadyAt(): Promise<Date | null> {
    return nextOutboxReadyAt(this.options.database.db);
  }

  async #deliver(message: ClaimedMessage): Promise<Outcome> {
    const deliverer = this.#deliverers.get(message.kind);
    // Retryable: an instance with newer code may know the kind.
    if (!deliverer)
      return {
        ok: false,
        error: `no deliverer registered for outbox kind '${message.kind}'`,
        retryable: true,
      };
    const context: DeliveryContext = {
      kind: message.kind,
      idempotencyKey: message.idempotencyKey,
      attempt: message.attempt,
    };
    try {
      await runWithTimeout(
        () => deliverer(message.payload, context),
        this.options.leaseMs,
        this.options.scheduler,
        `outbox ${message.idempotencyKey}`,
      );
      return { ok: true };
    } catch (error) {
      return { ok: false, error: errorMessage(error), retryable: isRetryable(error) };
    }
  }

  async #recordFailure(message: ClaimedMessage, error: string, retryable: boolean): Promise<void> {
    const { clock, maxAttempts, backoff, random, logger, database, owner } = this.options;
    const context = {
      outbox: message.idempotencyKey,
      kind: message.kind,
      attempt: message.attempt,
      err: error,
    };
    if (retryable && message.attempt < maxAttempts) {
      const retryAt = new Date(clock.now().getTime() + backoffDelayMs(message.attempt, backoff, random));
      await markRetry(database.db, message.id, owner, error, retryAt);
      logger.warn({ ...context, retryAt }, `outbox ${message.kind} delivery failed; will retry`);
      return;
    }
    if (!(await markDead(database.db, message.id, owner, error))) return;
    logger.error(context, `outbox ${message.kind} delivery dead after ${message.attempt} attempt(s)`);
    try {
      await this.#onDeadLetter?.({ ...message, attempts: message.attempt, lastError: error });
    } catch (hookError) {
      logger.error({ ...context, hookErr: errorMessage(hookError) }, 'onDeadLetter hook failed');
    }
  }
}

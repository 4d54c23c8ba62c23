import type { Db } from '../storage/database.ts';
import { backoffDelayMs } from './backoff.ts';
import { DurableRunner, type DurableRunnerOptions } from './durable-runner.ts';
import { errorMessage, runWithTimeout } from './run-with-timeout.ts';
import {
  cancelTimer,
  cancelTimersByPrefix,
  claimDueTimers,
  markTimerFailed,
  markTimersFired,
  nextTimerReadyAt,
  scheduleTimer,
  scheduleTimers,
  TIMERS_CHANNEL,
  type ClaimedTimer,
  type ScheduleMode,
  type ScheduleTimerInput,
} from './timer-store.ts';

/** What a handler receives. */
export type FiringTimer<P = unknown> = Omit<ClaimedTimer, 'id' | 'payload'> & { payload: P };

/**
 * Runs when a timer of its kind is due. Called at least once per key — again if it throws, times
 * out, or its instance dies mid-way — so it must be idempotent (check state, use unique keys).
 */
export type TimerHandler<P = unknown> = (timer: FiringTimer<P>) => Promise<void> | void;

/**
 * Handles several due timers of one kind together (e.g. in one transaction). Resolves with each
 * timer's outcome — null for done, or an error message to retry it — or with nothing when all are
 * done; a throw fails them all. The same at-least-once rules as TimerHandler apply to each timer.
 */
export type BatchTimerHandler<P = unknown> = (
  timers: FiringTimer<P>[],
) => Promise<readonly (string | null)[] | void>;

export type TimerRunnerOptions = DurableRunnerOptions;

/**
 * Durable timers (ARCHITECTURE.md §6): rows in `timers`, fired at-least-once by whichever instance
 * claims them first, with a wake-up at the next due time, NOTIFY between instances and a sweep.
 */
export class TimerRunner extends DurableRunner {
  readonly #handlers = new Map<string, TimerHandler>();
  readonly #batchHandlers = new Map<string, BatchTimerHandler>();

  constructor(options: TimerRunnerOptions) {
    // Two lanes: a wave of reminders is claimed while the previous part of it is being handled.
    super('timers', TIMERS_CHANNEL, 10, { lanes: 2, ...options });
  }

  /** Sets the handler for `kind` (one per kind). */
  register<P>(kind: string, handler: TimerHandler<P>): this {
    this.#checkFree(kind);
    this.#handlers.set(kind, handler as TimerHandler);
    return this;
  }

  /**
   * Sets a batch handler for `kind`: the timers of that kind claimed together (up to batchSize)
   * are handed over in one call, which lets a handler do in a few statements what one handler per
   * timer would do in a few statements each.
   */
  registerBatch<P>(kind: string, handler: BatchTimerHandler<P>): this {
    this.#checkFree(kind);
    this.#batchHandlers.set(kind, handler as BatchTimerHandler);
    return this;
  }

  #checkFree(kind: string): void {
    if (this.#handlers.has(kind) || this.#batchHandlers.has(kind))
      throw new Error(`a timer handler for '${kind}' is already registered`);
  }

  /**
   * Schedules a timer (see ScheduleMode; default `keep`). Pass `db` to write inside your
   * transaction; runners everywhere hear of it when it commits.
   */
  async schedule(
    input: ScheduleTimerInput,
    options: { db?: Db; mode?: ScheduleMode } = {},
  ): Promise<{ scheduled: boolean }> {
    const result = await scheduleTimer(options.db ?? this.options.database.db, input, options.mode);
    if (result.scheduled) this.nudge(input.dueAt);
    return result;
  }

  /** Several timers in one statement; resolves with how many were written. */
  async scheduleMany(
    inputs: readonly ScheduleTimerInput[],
    options: { db?: Db; mode?: ScheduleMode } = {},
  ): Promise<{ scheduled: number }> {
    const result = await scheduleTimers(options.db ?? this.options.database.db, inputs, options.mode);
    const earliest = Math.min(...inputs.map((input) => input.dueAt.getTime()));
    if (result.scheduled > 0) this.nudge(new Date(earliest));
    return result;
  }

  /** Cancels a pending timer; false if it already fired, was cancelled, or never existed. */
  cancel(key: string, db?: Db): Promise<boolean> {
    return cancelTimer(db ?? this.options.database.db, key);
  }

  /** Cancels every pending timer whose key starts with `prefix`; resolves with how many. */
  cancelByPrefix(prefix: string, db?: Db): Promise<number> {
    return cancelTimersByPrefix(db ?? this.options.database.db, prefix);
  }

  protected async claimAndProcess(now: Date, limit: number): Promise<number> {
    const { database, owner, leaseMs } = this.options;
    const claimed = await claimDueTimers(database.db, now, limit, owner, new Date(now.getTime() + leaseMs));
    if (claimed.length === 0) return 0;
    const outcomes = await this.#fireAll(claimed);
    const fired = claimed.filter((_, i) => outcomes[i] === null).map((timer) => timer.id);
    await markTimersFired(database.db, fired, owner, this.options.clock.now());
    for (const [i, timer] of claimed.entries()) {
      const error = outcomes[i];
      if (error != null) await this.#recordFailure(timer, error);
    }
    return claimed.length;
  }

  protected nextReadyAt(): Promise<Date | null> {
    return nextTimerReadyAt(this.options.database.db);
  }

  /** Every claimed timer's outcome, in order: batch kinds one call per kind, the others one by one. */
  async #fireAll(claimed: readonly ClaimedTimer[]): Promise<(string | null)[]> {
    const outcomes: (string | null)[] = new Array<string | null>(claimed.length).fill(null);
    const batches = new Map<string, number[]>();
    const single: Promise<void>[] = [];
    for (const [i, timer] of claimed.entries()) {
      if (this.#batchHandlers.has(timer.kind)) {
        const indices = batches.get(timer.kind) ?? [];
        indices.push(i);
        batches.set(timer.kind, indices);
      } else {
        single.push(this.#fire(timer).then((outcome) => void (outcomes[i] = outcome)));
      }
    }
    const batched = [...batches].map(async ([kind, indices]) => {
      const results = await this.#fireBatch(
        kind,
        indices.map((i) => claimed[i]!),
      );
      for (const [n, i] of indices.entries()) outcomes[i] = results[n] ?? null;
    });
    await Promise.all([...single, ...batched]);
    return outcomes;
  }

  async #fireBatch(kind: string, timers: readonly ClaimedTimer[]): Promise<(string | null)[]> {
    const handler = this.#batchHandlers.get(kind)!;
    const firing = timers.map(({ id: _id, ...rest }) => rest);
    try {
      const results = await runWithTimeout(
        () => handler(firing),
        this.options.leaseMs,
        this.options.scheduler,
        `${timers.length} timers of kind ${kind}`,
      );
      return results ? [...results] : timers.map(() => null);
    } catch (error) {
      const message = errorMessage(error);
      return timers.map(() => message);
    }
  }

  /** Resolves null on success, or the error message. */
  async #fire(timer: ClaimedTimer): Promise<string | null> {
    const handler = this.#handlers.get(timer.kind);
    if (!handler) return `no handler registered for timer kind '${timer.kind}'`;
    const { id: _id, ...firing } = timer;
    try {
      await runWithTimeout(
        () => handler(firing),
        this.options.leaseMs,
        this.options.scheduler,
        `timer ${timer.key}`,
      );
      return null;
    } catch (error) {
      return errorMessage(error);
    }
  }

  async #recordFailure(timer: ClaimedTimer, error: string): Promise<void> {
    const { clock, maxAttempts, backoff, random, logger, database, owner } = this.options;
    const givingUp = timer.attempt >= maxAttempts;
    const retryAt = givingUp
      ? null
      : new Date(clock.now().getTime() + backoffDelayMs(timer.attempt, backoff, random));
    await markTimerFailed(database.db, timer.id, owner, error, retryAt);
    const context = { timer: timer.key, kind: timer.kind, attempt: timer.attempt, err: error };
    if (givingUp) logger.error(context, `timer ${timer.key} failed ${timer.attempt} times; giving up`);
    else logger.warn({ ...context, retryAt }, `timer ${timer.key} failed; will retry`);
  }
}

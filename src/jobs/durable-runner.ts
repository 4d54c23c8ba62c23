import { systemClock } from '../clock.ts';
import type { Clock } from '../ports.ts';
import type { Database } from '../storage/database.ts';
import type { BackoffPolicy } from './backoff.ts';
import { DueWorkLoop, type JobsLogger } from './due-work-loop.ts';
import { newOwnerId } from './owner-id.ts';
import { systemScheduler, type Scheduler } from './scheduler.ts';

export interface DurableRunnerOptions {
  database: Database;
  clock?: Clock;
  /** How the runner waits; tests pass a ManualScheduler. */
  scheduler?: Scheduler;
  logger?: JobsLogger;
  /** Written to locked_by; default `<role>@<host>:<pid>:<random>`. */
  owner?: string;
  /** Rows claimed per query (default 200). */
  batchSize?: number;
  /** Longest sleep between checks (default 1000 ms). */
  sweepIntervalMs?: number;
  /** How long a claim lasts; a row whose holder vanished is retried after this (default 30 s). */
  leaseMs?: number;
  /** Attempts before giving up on a row (default: timers 10, outbox 12). */
  maxAttempts?: number;
  /** Delay after a failed attempt (default base 1 s, max 5 min), with jitter. */
  backoff?: BackoffPolicy;
  /** Jitter source (tests fix it). */
  random?: () => number;
  /** LISTEN for other instances' NOTIFYs (default true). */
  listen?: boolean;
  /** Claim loops side by side (see DueWorkLoopOptions.lanes); default 1, timers 2. */
  lanes?: number;
}

export type ResolvedRunnerOptions = Required<Omit<DurableRunnerOptions, 'maxAttempts'>> & {
  maxAttempts: number;
};

const quietLogger: JobsLogger = { warn() {}, error() {} };

/** The shared life cycle of TimerRunner and OutboxRunner: options, claim loop, LISTEN wake-ups. */
export abstract class DurableRunner {
  protected readonly options: ResolvedRunnerOptions;
  readonly #loop: DueWorkLoop;
  readonly #channel: string;
  #unlisten: (() => Promise<void>) | null = null;

  protected constructor(
    role: string,
    channel: string,
    defaultMaxAttempts: number,
    options: DurableRunnerOptions,
  ) {
    this.options = {
      clock: systemClock,
      scheduler: systemScheduler,
      logger: quietLogger,
      owner: newOwnerId(role),
      batchSize: 200,
      sweepIntervalMs: 1000,
      leaseMs: 30_000,
      backoff: { baseMs: 1000, maxMs: 5 * 60_000 },
      random: Math.random,
      listen: true,
      lanes: 1,
      // An option passed as `undefined` keeps its default.
      ...(Object.fromEntries(
        Object.entries(options).filter(([, value]) => value !== undefined),
      ) as DurableRunnerOptions),
      maxAttempts: options.maxAttempts ?? defaultMaxAttempts,
    };
    this.#channel = channel;
    this.#loop = new DueWorkLoop({
      name: role,
      source: {
        claimAndProcess: (now, limit) => this.claimAndProcess(now, limit),
        nextReadyAt: () => this.nextReadyAt(),
      },
      clock: this.options.clock,
      scheduler: this.options.scheduler,
      batchSize: this.options.batchSize,
      lanes: this.options.lanes,
      sweepIntervalMs: this.options.sweepIntervalMs,
      logger: this.options.logger,
    });
  }

  get owner(): string {
    return this.options.owner;
  }

  /** Starts firing: processes what is due now, then keeps itself awake until `stop()`. */
  async start(): Promise<void> {
    if (this.options.listen && !this.#unlisten) {
      this.#unlisten = await this.options.database.listen(this.#channel, (payload) => {
        const at = Number(payload);
        this.#loop.nudge(Number.isFinite(at) ? new Date(at) : undefined);
      });
    }
    this.#loop.start();
  }

  /** Stops claiming, lets handlers in progress finish, and drops the LISTEN. */
  async stop(): Promise<void> {
    await this.#loop.stop();
    const unlisten = this.#unlisten;
    this.#unlisten = null;
    await unlisten?.();
  }

  /** Processes everything ready now, started or not; resolves with how many rows it handled. */
  runNow(): Promise<number> {
    return this.#loop.runNow();
  }

  /** Resolves when no cycle is running (after moving a ManualScheduler in tests). */
  idle(): Promise<void> {
    return this.#loop.idle();
  }

  /** Wake up at `at` if that is sooner than planned (used after an in-process write). */
  protected nudge(at: Date): void {
    this.#loop.nudge(at);
  }

  /** Claims up to `limit` rows ready at `now` and handles them; returns how many it claimed. */
  protected abstract claimAndProcess(now: Date, limit: number): Promise<number>;
  protected abstract nextReadyAt(): Promise<Date | null>;
}

import type { Clock } from '../ports.ts';
import type { Scheduler } from './scheduler.ts';

/** pino-compatible; the runners only report problems. */
export interface JobsLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a table of due work (timers, outbox) must offer the loop. */
export interface DueWorkSource {
  /** Claims up to `limit` rows ready at `now` for this instance; returns how many it then processed. */
  claimAndProcess(now: Date, limit: number): Promise<number>;
  /** The earliest instant any row becomes ready (due, retry time or expired lease), or null. */
  nextReadyAt(): Promise<Date | null>;
}

export interface DueWorkLoopOptions {
  /** For logs: 'timers', 'outbox'. */
  name: string;
  source: DueWorkSource;
  clock: Clock;
  scheduler: Scheduler;
  batchSize: number;
  /** Longest sleep: a sweep this often recovers missed wake-ups, expired leases and other instances' rows. */
  sweepIntervalMs: number;
  /** Pause when rows are ready but none could be claimed (another instance holds their locks). */
  contendedRetryMs?: number;
  /**
   * Claim-and-process loops run side by side while rows keep coming due (default 1). With 2, one
   * claims what fell due while the other's batch is being handled, which halves the wait of a row
   * that falls due just after a claim. Only for work whose rows may take effect in any order.
   */
  lanes?: number;
  logger: JobsLogger;
}

/**
 * The one claim loop behind the timer and outbox runners (ARCHITECTURE.md §6): drain what is
 * ready in batches, then sleep until the next ready time or the sweep interval, whichever comes
 * first. `nudge` (from an in-process schedule or a NOTIFY) wakes it early. Only one cycle runs at
 * a time per loop; several instances share the work through the source's claims.
 */
export class DueWorkLoop {
  readonly #o: Required<DueWorkLoopOptions>;
  #started = false;
  #stopping = false;
  #cycle: Promise<number> | null = null;
  /** Earliest nudge received while a cycle was running. */
  #nudgedAt: number | null = null;
  #armedAt: number | null = null;
  #disarm: (() => void) | null = null;

  constructor(options: DueWorkLoopOptions) {
    this.#o = { contendedRetryMs: 10, lanes: 1, ...options };
  }

  get running(): boolean {
    return this.#started && !this.#stopping;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
    void this.#kick();
  }

  /** Stops arming and waits for the cycle in progress (handlers finish; nothing new is claimed). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#clearArm();
    await this.#cycle;
    this.#started = false;
  }

  /** Something becomes ready at `at` (default now): wake then if that is earlier than planned. */
  nudge(at: Date = this.#o.clock.now()): void {
    if (!this.running) return;
    const ms = at.getTime();
    if (this.#cycle) {
      this.#nudgedAt = this.#nudgedAt === null ? ms : Math.min(this.#nudgedAt, ms);
      return;
    }
    if (this.#armedAt === null || ms < this.#armedAt) this.#arm(ms);
  }

  /** Processes everything ready now (also when not started); resolves with how many rows it handled. */
  runNow(): Promise<number> {
    return this.#kick();
  }

  /** Resolves once no cycle is running (tests: after moving a ManualScheduler). */
  async idle(): Promise<void> {
    while (this.#cycle) await this.#cycle;
  }

  #kick(): Promise<number> {
    if (this.#cycle) {
      this.#nudgedAt = this.#o.clock.now().getTime();
      return this.#cycle;
    }
    this.#clearArm();
    this.#cycle = this.#runCycle().finally(() => {
      this.#cycle = null;
    });
    return this.#cycle;
  }

  async #runCycle(): Promise<number> {
    let processed = 0;
    try {
      for (;;) {
        this.#nudgedAt = null;
        const drained = await this.#drain();
        processed += drained;
        if (!this.running) return processed;
        const nextReady = await this.#o.source.nextReadyAt();
        const nudged = this.#nudgedAt;
        let wakeAt = nextReady?.getTime() ?? Number.POSITIVE_INFINITY;
        if (nudged !== null) wakeAt = Math.min(wakeAt, nudged);
        const now = this.#o.clock.now().getTime();
        if (wakeAt > now) {
          this.#arm(wakeAt);
          return processed;
        }
        // Ready rows we could not claim belong to another instance's open transaction: back off
        // briefly instead of spinning. A nudge during this round means new rows: go again.
        if (drained === 0 && nudged === null) {
          this.#arm(now + this.#o.contendedRetryMs);
          return processed;
        }
      }
    } catch (error) {
      this.#o.logger.error(
        { err: error, loop: this.#o.name },
        `${this.#o.name} loop failed; retrying at the next sweep`,
      );
      if (this.running) this.#arm(this.#o.clock.now().getTime() + this.#o.sweepIntervalMs);
      return processed;
    }
  }

  async #drain(): Promise<number> {
    if (this.#o.lanes <= 1) {
      let total = 0;
      for (;;) {
        const count = await this.#o.source.claimAndProcess(this.#o.clock.now(), this.#o.batchSize);
        total += count;
        if (count < this.#o.batchSize || this.#stopping) return total;
      }
    }
    return this.#drainInLanes(this.#o.lanes);
  }

  /**
   * Several lanes claim and process side by side. A lane that finds nothing while another lane is
   * still handling its batch waits for the next row to fall due (or for the others to finish) and
   * claims it then, instead of waiting for that batch. The drain ends when no lane has anything.
   */
  async #drainInLanes(lanes: number): Promise<number> {
    let busy = 0;
    const waiting = new Set<() => void>();
    const lane = async (): Promise<number> => {
      let total = 0;
      for (;;) {
        if (this.#stopping) return total;
        busy += 1;
        let count: number;
        try {
          count = await this.#o.source.claimAndProcess(this.#o.clock.now(), this.#o.batchSize);
        } finally {
          busy -= 1;
          if (busy === 0) for (const wake of waiting) wake();
        }
        total += count;
        if (count > 0) continue;
        if (busy === 0) return total;
        const next = await this.#o.source.nextReadyAt();
        if (busy === 0) return total;
        const now = this.#o.clock.now().getTime();
        // Ready but not claimable (another claim holds it): a short pause, never a spin.
        const waitMs =
          next === null
            ? this.#o.sweepIntervalMs
            : next.getTime() <= now
              ? this.#o.contendedRetryMs
              : Math.min(next.getTime() - now, this.#o.sweepIntervalMs);
        await new Promise<void>((resolve) => {
          const cancel = this.#o.scheduler.after(waitMs, wake);
          function wake(): void {
            cancel();
            waiting.delete(wake);
            resolve();
          }
          waiting.add(wake);
        });
      }
    };
    const counts = await Promise.all(Array.from({ length: lanes }, lane));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  #arm(atMs: number): void {
    this.#clearArm();
    if (!this.running) return;
    const now = this.#o.clock.now().getTime();
    const wakeAt = Math.min(atMs, now + this.#o.sweepIntervalMs);
    this.#armedAt = wakeAt;
    this.#disarm = this.#o.scheduler.after(wakeAt - now, () => {
      this.#armedAt = null;
      this.#disarm = null;
      void this.#kick();
    });
  }

  #clearArm(): void {
    this.#disarm?.();
    this.#disarm = null;
    this.#armedAt = null;
  }
}

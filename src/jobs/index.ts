/** Durable background work: timers and the outbox (ARCHITECTURE.md §6). */
export { TimerRunner, type FiringTimer, type TimerHandler, type TimerRunnerOptions } from './timer-runner.ts';
export {
  cancelTimer,
  cancelTimersByPrefix,
  scheduleTimer,
  scheduleTimers,
  TIMERS_CHANNEL,
  type ScheduleMode,
  type ScheduleTimerInput,
} from './timer-store.ts';
export {
  DeliveryError,
  isRetryable,
  OutboxRunner,
  type DeadLetter,
  type Deliverer,
  type DeliveryContext,
  type OutboxRunnerOptions,
} from './outbox-runner.ts';
export { enqueueOutbox, OUTBOX_CHANNEL, type EnqueueInput } from './outbox-store.ts';
export { backoffDelayMs, type BackoffPolicy } from './backoff.ts';
export { ManualScheduler, systemScheduler, type Scheduler } from './scheduler.ts';
export type { DurableRunnerOptions } from './durable-runner.ts';
export type { JobsLogger } from './due-work-loop.ts';

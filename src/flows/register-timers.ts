import { ABANDON_IDLE, abandonIfIdle } from './abandon-idle.ts';
import { escalateOnBreach } from './escalate-on-breach.ts';
import type { TimerRegistry } from './flow-deps.ts';
import { inTransaction, type FlowContext } from './flow-context.ts';
import { retryQueued } from './queue.ts';
import { remindBeforeDeadline } from './remind-before-deadline.ts';
import { QUEUE_RETRY, SLA_BREACH, SLA_REMIND, type SlaTimerPayload } from './sla-cycle.ts';

/**
 * Timer kinds createFlows registers; keys are `sla:<conversationId>:<cycle>:r1|r2|breach`,
 * `queue:<conversationId>` and `idle:<conversationId>`.
 */
export const FLOW_TIMER_KINDS = [SLA_REMIND, SLA_BREACH, QUEUE_RETRY, ABANDON_IDLE] as const;

/**
 * Each handler runs in one transaction that re-reads the conversation under its row lock, so a
 * timer that fires late, twice, or after a human answered does nothing more than once.
 */
export function registerFlowTimers(ctx: FlowContext, timers: TimerRegistry): void {
  timers.register(SLA_REMIND, (timer) =>
    inTransaction(ctx, (step) =>
      remindBeforeDeadline(ctx, step, timer.payload as SlaTimerPayload, timer.key),
    ),
  );
  timers.register(SLA_BREACH, (timer) =>
    inTransaction(ctx, (step) => escalateOnBreach(ctx, step, timer.payload as SlaTimerPayload, timer.key)),
  );
  timers.register(QUEUE_RETRY, (timer) =>
    inTransaction(ctx, (step) =>
      retryQueued(ctx, step, (timer.payload as { conversationId: string }).conversationId),
    ),
  );
  timers.register(ABANDON_IDLE, (timer) =>
    inTransaction(ctx, (step) =>
      abandonIfIdle(ctx, step, (timer.payload as { conversationId: string }).conversationId),
    ),
  );
}

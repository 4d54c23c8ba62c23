import { ABANDON_IDLE, abandonIfIdle } from './abandon-idle.ts';
import { escalateOnBreach } from './escalate-on-breach.ts';
import type { FiringTimerView, TimerRegistry } from './flow-deps.ts';
import { inTimerBatch, inTransaction, type FlowContext, type Step } from './flow-context.ts';
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
  // Reminders and breaches come in waves (every handoff schedules them): each wave is one
  // transaction that locks and reads its conversations in a few statements.
  const sla = {
    conversationIdOf: (timer: FiringTimerView) => (timer.payload as SlaTimerPayload).conversationId,
  };
  timers.registerBatch(SLA_REMIND, (batch) =>
    inTimerBatch(ctx, batch, { ...sla, eventTypes: ['sla_reminder'] }, (step, timer) =>
      remindBeforeDeadline(ctx, step, timer.payload as SlaTimerPayload, timer.key),
    ),
  );
  timers.registerBatch(SLA_BREACH, (batch) =>
    inTimerBatch(ctx, batch, { ...sla, eventTypes: ['sla_breached'] }, async (step, timer) => {
      await lockForEscalations(ctx, step, batch);
      await escalateOnBreach(ctx, step, timer.payload as SlaTimerPayload, timer.key);
    }),
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

/**
 * Breaches may reassign, which takes the candidates' assignment locks. A batch takes all it may
 * need in one call before the first escalation (locks are re-entrant), so two batches never wait
 * for each other crosswise. Only when escalation rounds are configured.
 */
async function lockForEscalations(
  ctx: FlowContext,
  step: Step,
  batch: readonly FiringTimerView[],
): Promise<void> {
  if (ctx.config.sla.escalation.maxReassignments === 0) return;
  const itemIds = new Set<string>();
  for (const timer of batch) {
    const conversation = await step.tx.conversations.lock((timer.payload as SlaTimerPayload).conversationId);
    if (conversation?.itemId) itemIds.add(conversation.itemId);
  }
  const staff = [...itemIds].flatMap((itemId) => {
    const duty = ctx.org.onDuty(itemId, step.at);
    return [...duty.primary, ...duty.backup];
  });
  await step.tx.work.lockAssignments(staff);
}

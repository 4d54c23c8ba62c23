import type { Step, FlowContext } from './flow-context.ts';
import { addWorkingSeconds } from './sla-deadline.ts';
import type { ConversationRow } from './repositories.ts';

/** Timer kinds the flow registers on the TimerRunner. */
export const SLA_REMIND = 'sla.remind';
export const SLA_BREACH = 'sla.breach';
export const QUEUE_RETRY = 'flows.queue.retry';

export interface SlaTimerPayload {
  conversationId: string;
  cycle: number;
  level?: 1 | 2;
}

export const slaPrefix = (conversationId: string): string => `sla:${conversationId}:`;

/**
 * Starts an SLA cycle (R-1min): reminders at sla.reminderSeconds and the breach after
 * `limitSeconds` of working time from `from`. Cycle 1 starts at handoff (limit: firstResponseSeconds);
 * each escalation or transfer starts the next one (limit: escalation.reassignAfterSeconds).
 * Keys carry the cycle, because a timer key fires at most once in its life.
 */
export async function startSlaCycle(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  from: Date,
  limitSeconds: number,
): Promise<void> {
  const flow = await step.tx.flowState.get(conversation.id);
  const cycle = flow.slaCycle + 1;
  const hours = ctx.org.hoursOf(conversation.itemId);
  const prefix = slaPrefix(conversation.id);
  // Cycle 0 never scheduled anything: nothing to cancel.
  if (flow.slaCycle > 0) await step.tx.work.cancelTimers(prefix);
  const levels = ctx.config.sla.reminderSeconds.slice(0, 2);
  const timers = [];
  for (const [index, seconds] of levels.entries()) {
    if (seconds >= limitSeconds) continue;
    const level = (index + 1) as 1 | 2;
    const payload: SlaTimerPayload = { conversationId: conversation.id, cycle, level };
    timers.push({
      key: `${prefix}${cycle}:r${level}`,
      kind: SLA_REMIND,
      dueAt: addWorkingSeconds(ctx.calendar, from, seconds, hours),
      payload,
    });
  }
  const dueAt = addWorkingSeconds(ctx.calendar, from, limitSeconds, hours);
  const payload: SlaTimerPayload = { conversationId: conversation.id, cycle };
  timers.push({ key: `${prefix}${cycle}:breach`, kind: SLA_BREACH, dueAt, payload });
  await step.tx.work.scheduleTimers(timers);
  await step.tx.flowState.save(
    conversation.id,
    { slaCycle: cycle, slaDueAt: dueAt, ...(cycle === 1 ? { slaClockStart: from } : {}) },
    step.at,
  );
}

/** Stops the clock: no reminder or breach of any cycle fires after this commits. */
export async function stopSlaClock(step: Step, conversationId: string): Promise<void> {
  await step.tx.work.cancelTimers(slaPrefix(conversationId));
  await step.tx.flowState.save(conversationId, { slaDueAt: null }, step.at);
}

/** True while the current cycle's breach is still ahead. */
export async function isSlaRunning(step: Step, conversationId: string): Promise<boolean> {
  const flow = await step.tx.flowState.get(conversationId);
  return flow.slaDueAt !== null && flow.slaDueAt.getTime() > step.at.getTime();
}

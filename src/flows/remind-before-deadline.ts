import { isOpen } from '../core/conversation-state.ts';
import { recordEvent, SYSTEM } from './conversation-ops.ts';
import { summarizeOne } from './conversation-summary.ts';
import type { FlowContext, Step } from './flow-context.ts';
import type { ConversationRow, FlowStateRow } from './repositories.ts';
import type { SlaTimerPayload } from './sla-cycle.ts';

/**
 * Loads the conversation for an SLA timer and says whether the timer still matters: open, no human
 * answer yet, the timer's own cycle, and not already handled (timers fire at least once).
 */
export async function loadForSlaTimer(
  step: Step,
  payload: SlaTimerPayload,
  eventType: string,
  key: string,
): Promise<{ conversation: ConversationRow; flow: FlowStateRow } | null> {
  const conversation = await step.tx.conversations.lock(payload.conversationId);
  if (!conversation || !isOpen(conversation.state) || conversation.firstHumanResponseAt) return null;
  const flow = await step.tx.flowState.get(conversation.id);
  if (flow.slaCycle !== payload.cycle) return null;
  if (await step.tx.events.hasKeyed(conversation.id, eventType, key)) return null;
  return { conversation, flow };
}

/**
 * Reminder 1 pings the assignee; reminder 2 the assignee and the backups on duty. A queued
 * conversation has no assignee, so everyone on duty for the item is reminded.
 */
export async function remindBeforeDeadline(
  ctx: FlowContext,
  step: Step,
  payload: SlaTimerPayload,
  key: string,
): Promise<void> {
  const loaded = await loadForSlaTimer(step, payload, 'sla_reminder', key);
  if (!loaded) return;
  const { conversation, flow } = loaded;
  const level = payload.level ?? 1;
  const duty = conversation.itemId
    ? ctx.org.onDuty(conversation.itemId, step.at)
    : { primary: [], backup: [] };
  const recipients = new Set<string>();
  if (conversation.assigneeId) recipients.add(conversation.assigneeId);
  else duty.primary.forEach((id) => recipients.add(id));
  if (level === 2 || !conversation.assigneeId) duty.backup.forEach((id) => recipients.add(id));

  const hours = ctx.org.hoursOf(conversation.itemId);
  const secondsLeft = flow.slaDueAt
    ? Math.max(0, Math.round(ctx.calendar.workingSecondsBetween(step.at, flow.slaDueAt, hours)))
    : 0;
  await recordEvent(step, conversation.id, 'sla_reminder', SYSTEM, {
    key,
    level,
    cycle: payload.cycle,
    notified: [...recipients],
    secondsLeft,
  });
  const summary = await summarizeOne(ctx, step.tx, conversation);
  for (const staffId of recipients)
    step.fx.toStaff(staffId, { type: 'reminder', level, conversation: summary, secondsLeft });
}

import { sayToCitizen, staffActor, transition } from './conversation-ops.ts';
import type { FlowContext, Step } from './flow-context.ts';
import type { ConversationRow } from './repositories.ts';
import { stopSlaClock } from './sla-cycle.ts';

/**
 * A staff member's message reaches the citizen. The first one stops the SLA clock and records the
 * numbers the 1-minute response rate is computed from (ARCHITECTURE.md §7).
 */
export async function relayStaffMessage(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  staffId: string,
  text: string,
): Promise<ConversationRow> {
  await sayToCitizen(step, conversation, text, { senderKind: 'staff', staffId });
  if (conversation.firstHumanResponseAt || conversation.state !== 'assigned') return conversation;

  const flow = await step.tx.flowState.get(conversation.id);
  const clockStart = flow.slaClockStart ?? conversation.handoffAt ?? step.at;
  const workingSeconds = ctx.calendar.workingSecondsBetween(
    clockStart,
    step.at,
    ctx.org.hoursOf(conversation.itemId),
  );
  const answered = await transition(
    step,
    conversation,
    'first_response',
    staffActor(staffId),
    {
      handoffAt: conversation.handoffAt?.toISOString() ?? null,
      clockStartsAt: clockStart.toISOString(),
      workingSeconds: Math.round(workingSeconds * 1000) / 1000,
      withinSla: workingSeconds <= ctx.config.sla.firstResponseSeconds,
    },
    { firstHumanResponseAt: step.at },
  );
  await stopSlaClock(step, conversation.id);
  return answered.ok ? answered.conversation : conversation;
}

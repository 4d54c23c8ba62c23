import { ASK_RESOLVED, PUSHED_12345, RESOLVE_CHOICES } from './citizen-texts.ts';
import { releaseCurrent } from './assign-helper.ts';
import { sayToCitizen, staffActor, SYSTEM, transition, type Transitioned } from './conversation-ops.ts';
import type { FlowContext, Step } from './flow-context.ts';
import { createTicket, nextTicketNo, type PushInput } from './hotline-ticket.ts';
import { drainQueue } from './queue.ts';
import type { ConversationRow } from './repositories.ts';
import { stopSlaClock } from './sla-cycle.ts';

export { HOTLINE_TICKET } from './hotline-ticket.ts';

/**
 * /resolve: closes the conversation and asks the citizen whether it was solved; their answer (the
 * resolution rate's numerator) is read by handle-citizen-message from the stored prompt.
 */
export async function resolveConversation(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  staffId: string,
): Promise<Transitioned> {
  const resolved = await transition(step, conversation, 'resolve', staffActor(staffId));
  if (!resolved.ok) return resolved;
  await afterClosing(ctx, step, conversation);
  await sayToCitizen(step, resolved.conversation, ASK_RESOLVED, {
    senderKind: 'system',
    choices: RESOLVE_CHOICES,
  });
  await step.tx.prompts.set(conversation.channel, conversation.citizenUserId, {
    conversationId: conversation.id,
    kind: 'resolve_feedback',
    askedAt: step.at,
  });
  return resolved;
}

/**
 * /12345: writes the ticket (hotline_tickets) and its outbox row in the same transaction and closes
 * as pushed_12345; the citizen is told, and told the 12345 number once 12345 gives one.
 */
export async function pushTo12345(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  staffId: string,
  reason: string,
): Promise<Transitioned> {
  return pushConversation(ctx, step, conversation, { staffId, reason });
}

/** A push by a helper (`staffId`) or by the auto-push rule (`staffId: null`). */
export async function pushConversation(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  push: PushInput,
): Promise<Transitioned> {
  const numbered = await nextTicketNo(ctx, step, conversation);
  const actor = push.staffId ? staffActor(push.staffId) : SYSTEM;
  const pushed = await transition(step, conversation, 'push_12345', actor, {
    reason: push.reason,
    ticketNo: numbered.ticketNo,
    ...(push.staffId ? {} : { auto: true }),
  });
  if (!pushed.ok) return pushed;
  await createTicket(ctx, step, conversation, push, numbered);
  await afterClosing(ctx, step, conversation);
  await sayToCitizen(step, pushed.conversation, PUSHED_12345, { senderKind: 'system' });
  return pushed;
}

/** A closed conversation holds no clock, no desk focus and no capacity: serve the queue. */
async function afterClosing(ctx: FlowContext, step: Step, conversation: ConversationRow): Promise<void> {
  await stopSlaClock(step, conversation.id);
  await step.tx.work.cancelTimers(`queue:${conversation.id}`);
  if (conversation.assigneeId) await releaseCurrent(step, conversation.assigneeId, conversation.id);
  await drainQueue(ctx, step);
}

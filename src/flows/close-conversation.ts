import { ASK_RESOLVED, PUSHED_12345, RESOLVE_CHOICES } from './citizen-texts.ts';
import { releaseCurrent } from './assign-helper.ts';
import { sayToCitizen, staffActor, transition, type Transitioned } from './conversation-ops.ts';
import type { FlowContext, Step } from './flow-context.ts';
import { drainQueue } from './queue.ts';
import type { ConversationRow } from './repositories.ts';
import { stopSlaClock } from './sla-cycle.ts';

/** Outbox kind of a 12345 hotline ticket; the hotline gateway (a later issue) delivers it. */
export const HOTLINE_TICKET = 'hotline12345.ticket';

/** Lines of transcript a 12345 ticket carries. */
const TICKET_TRANSCRIPT_LINES = 200;

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

/** /12345: writes the ticket into the outbox in the same transaction and closes as pushed_12345. */
export async function pushTo12345(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  staffId: string,
  reason: string,
): Promise<Transitioned> {
  const pushed = await transition(step, conversation, 'push_12345', staffActor(staffId), { reason });
  if (!pushed.ok) return pushed;
  const transcript = await step.tx.messages.list(conversation.id, { limit: TICKET_TRANSCRIPT_LINES });
  await step.tx.work.enqueueOutbox({
    kind: HOTLINE_TICKET,
    idempotencyKey: `hotline12345:${conversation.id}`,
    at: step.at,
    payload: {
      conversationId: conversation.id,
      code: conversation.code,
      itemId: conversation.itemId,
      itemName: ctx.org.item(conversation.itemId)?.name ?? null,
      channel: conversation.channel,
      citizenUserId: conversation.citizenUserId,
      reason,
      staffId,
      staffName: ctx.org.staff(staffId)?.name ?? staffId,
      createdAt: conversation.createdAt.toISOString(),
      handoffAt: conversation.handoffAt?.toISOString() ?? null,
      pushedAt: step.at.toISOString(),
      transcript: transcript.map((line) => ({
        at: line.createdAt.toISOString(),
        from: line.senderKind,
        kind: line.kind,
        text: line.body,
      })),
    },
  });
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

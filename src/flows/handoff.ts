import { ALREADY_WITH_HUMAN, ASK_ITEM, outsideHoursText, QUEUED } from './citizen-texts.ts';
import { itemChoices } from './citizen-replies.ts';
import { assignTo, chooseHelper } from './assign-helper.ts';
import { recordEvent, sayToCitizen, SYSTEM, type Actor } from './conversation-ops.ts';
import { summarizeOne } from './conversation-summary.ts';
import type { FlowContext, Step } from './flow-context.ts';
import { queueConversation } from './queue.ts';
import type { ConversationRow } from './repositories.ts';
import { startSlaCycle } from './sla-cycle.ts';

/**
 * The citizen needs a human (转人工, the KB could not answer, “没解决” …). Without a known item the
 * citizen is asked to pick one first; the handoff proper happens when they do.
 */
export async function handOff(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  actor: Actor,
  reason: string,
): Promise<ConversationRow> {
  if (conversation.state !== 'bot') {
    await sayToCitizen(step, conversation, conversation.state === 'queued' ? QUEUED : ALREADY_WITH_HUMAN, {
      senderKind: 'system',
    });
    return conversation;
  }
  await recordEvent(step, conversation.id, 'handoff_requested', actor, { reason });
  if (!conversation.itemId || !ctx.org.item(conversation.itemId)) {
    await step.tx.flowState.save(conversation.id, { awaiting: 'item_choice' }, step.at);
    await sayToCitizen(step, conversation, ASK_ITEM, {
      senderKind: 'bot',
      choices: itemChoices(ctx.org.items),
    });
    return conversation;
  }
  return startHumanHelp(ctx, step, conversation, reason);
}

/** Handoff with a known item: start the SLA clock, then assign or queue. */
export async function startHumanHelp(
  ctx: FlowContext,
  step: Step,
  conversation: ConversationRow,
  reason: string,
): Promise<ConversationRow> {
  const itemId = conversation.itemId!;
  const hours = ctx.org.hoursOf(itemId);
  // R-1min counts working time only: outside hours the clock starts at the next opening.
  const clockStart = ctx.calendar.nextOpening(step.at, hours);
  const inWorkingHours = clockStart.getTime() === step.at.getTime();
  await step.tx.conversations.update(conversation.id, { handoffAt: step.at }, step.at);
  const handedOff = { ...conversation, handoffAt: step.at };
  await step.tx.flowState.save(conversation.id, { awaiting: null }, step.at);
  await startSlaCycle(ctx, step, handedOff, clockStart, ctx.config.sla.firstResponseSeconds);
  const { slaDueAt } = await step.tx.flowState.get(conversation.id);
  await recordEvent(step, conversation.id, 'handoff', SYSTEM, {
    reason,
    itemId,
    clockStartsAt: clockStart.toISOString(),
    dueAt: slaDueAt?.toISOString() ?? null,
    inWorkingHours,
  });

  if (!inWorkingHours) {
    const itemName = ctx.org.item(itemId)?.name ?? itemId;
    await sayToCitizen(step, handedOff, outsideHoursText(itemName, hours, clockStart), {
      senderKind: 'system',
    });
    return queueConversation(ctx, step, handedOff, SYSTEM, 'outside_hours', { tellCitizen: false });
  }
  const pick = await chooseHelper(ctx, step, itemId);
  if (!pick.ok) return queueConversation(ctx, step, handedOff, SYSTEM, pick.reason);
  const assigned = await assignTo(ctx, step, handedOff, pick.staffId, 'rota', SYSTEM);
  const summary = await summarizeOne(ctx, step.tx, assigned);
  const duty = ctx.org.onDuty(itemId, step.at);
  for (const staffId of [...duty.primary, ...duty.backup]) {
    if (staffId !== pick.staffId)
      step.fx.toStaff(staffId, { type: 'new_conversation', conversation: summary, claimable: false });
  }
  return assigned;
}
